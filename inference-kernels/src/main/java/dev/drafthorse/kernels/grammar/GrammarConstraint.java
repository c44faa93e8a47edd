package dev.drafthorse.kernels.grammar;

import dev.drafthorse.kernels.sampling.TokenConstraint;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.util.BitSet;

/**
 * A grammar as a {@link TokenConstraint}, following llama.cpp's grammar sampler: a token is allowed when its piece
 * (the bytes llama.cpp's {@code token_to_piece} gives) can continue some parse, with an unfinished UTF-8 character
 * at its end allowed when some parse could take a character starting that way; an end-of-generation token only
 * where the grammar may end; a token with an empty piece never.
 *
 * <p>{@link #allows} tests one token by walking its bytes; {@link #mask} walks the vocabulary's {@link TokenTrie}
 * against the parse stacks, so a byte the grammar refuses rules out every token below it at once. The sampler
 * tests the token it would pick first and masks only when the grammar refuses it, as llama.cpp does.
 */
public final class GrammarConstraint implements TokenConstraint {
    private final TokenTrie trie;
    private GrammarMatcher matcher;

    private GrammarConstraint(TokenTrie trie, GrammarMatcher matcher) {
        this.trie = trie;
        this.matcher = matcher;
    }

    public GrammarConstraint(Grammar grammar, Tokenizer tokenizer) {
        this(TokenTrie.of(tokenizer), grammar.matcher());
    }

    public GrammarMatcher matcher() {
        return matcher;
    }

    @Override
    public boolean allows(int token) {
        if (token < 0 || token >= trie.pieces.length) {
            return false;
        }
        if (trie.isEog(token)) {
            return matcher.canEnd();
        }
        byte[] p = trie.pieces[token];
        return p.length > 0 && matcher.advance(p).acceptableTokenEnd();
    }

    @Override
    public void mask(float[] logits, int off, int n) {
        BitSet ok = allowed();
        for (int i = 0; i < n; i++) {
            if (!ok.get(i)) {
                logits[off + i] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** The tokens that may come next. */
    public BitSet allowed() {
        BitSet ok = new BitSet(trie.pieces.length);
        if (matcher.canEnd()) {
            for (int e : trie.eog) {
                ok.set(e);
            }
        }
        walk(0, matcher, ok);
        return ok;
    }

    private void walk(int node, GrammarMatcher m, BitSet ok) {
        byte[] cb = trie.childBytes.get(node);
        int[] cn = trie.children.get(node);
        byte[] one = new byte[1];
        for (int i = 0; i < cb.length; i++) {
            one[0] = cb[i];
            GrammarMatcher next = m.advance(one);
            if (next.dead()) {
                continue;
            }
            int child = cn[i];
            int[] ends = trie.tokens.get(child);
            if (ends.length > 0 && next.acceptableTokenEnd()) {
                for (int t : ends) {
                    ok.set(t);
                }
            }
            walk(child, next, ok);
        }
    }

    @Override
    public void accept(int token) {
        if (trie.isEog(token)) {
            if (!matcher.canEnd()) {
                throw new IllegalStateException("end of generation where the grammar cannot end");
            }
            return;
        }
        GrammarMatcher next = matcher.advance(trie.pieces[token]);
        if (next.dead()) {
            throw new IllegalStateException("token " + token + " does not continue the grammar");
        }
        matcher = next;
    }

    @Override
    public GrammarConstraint copy() {
        return new GrammarConstraint(trie, matcher);
    }
}
