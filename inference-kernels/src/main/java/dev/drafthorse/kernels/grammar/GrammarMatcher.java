package dev.drafthorse.kernels.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a text stands in a grammar: the set of pushdown stacks of every way the text so far can be parsed (each
 * stack a list of grammar positions, the top being a character element still to match), plus the bytes of an
 * unfinished UTF-8 character, exactly the state llama.cpp's grammar sampler keeps. Immutable: {@link #advance}
 * returns a new matcher, so speculative verification can try drafted tokens without undoing anything.
 *
 * <p>An empty stack means the text can end here ({@link #canEnd()}); an empty set of stacks means the text has left
 * the grammar ({@link #dead()}).
 */
public final class GrammarMatcher {
    private static final int[] UTF8_LENGTH = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4};

    final Grammar g;
    final int[][] stacks;
    /** The unfinished character: bits so far and continuation bytes still expected (0: none pending). */
    final int partialValue;

    final int partialRemain;

    private GrammarMatcher(Grammar g, int[][] stacks, int partialValue, int partialRemain) {
        this.g = g;
        this.stacks = stacks;
        this.partialValue = partialValue;
        this.partialRemain = partialRemain;
    }

    static GrammarMatcher start(Grammar g) {
        Set<Key> out = new LinkedHashSet<>();
        for (int p : g.alternatives(g.root)) {
            int[] stack = g.endOfSequence(p) ? new int[0] : new int[] {p};
            expand(g, stack, out);
        }
        return new GrammarMatcher(g, toArray(out), 0, 0);
    }

    /** True when the text may end here (some parse is complete). */
    public boolean canEnd() {
        for (int[] s : stacks) {
            if (s.length == 0) {
                return true;
            }
        }
        return false;
    }

    /** True when no parse continues: nothing more can be matched (and nothing was, if this came from advance). */
    public boolean dead() {
        return stacks.length == 0;
    }

    /** The matcher after the UTF-8 bytes, or a dead matcher when they leave the grammar or are not UTF-8. */
    public GrammarMatcher advance(byte[] bytes) {
        int[][] st = stacks;
        int value = partialValue;
        int remain = partialRemain;
        for (byte bb : bytes) {
            int b = bb & 0xFF;
            if (remain == 0) {
                int len = UTF8_LENGTH[b >> 4];
                if (len == 0 || b == 0) {
                    return new GrammarMatcher(g, new int[0][], 0, 0);
                }
                if (len == 1) {
                    st = acceptChar(g, st, b);
                } else {
                    remain = len - 1;
                    value = b & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
                }
            } else {
                if ((b >> 6) != 2) {
                    return new GrammarMatcher(g, new int[0][], 0, 0);
                }
                value = (value << 6) | (b & 0x3F);
                if (--remain == 0) {
                    st = acceptChar(g, st, value);
                }
            }
            if (st.length == 0) {
                return new GrammarMatcher(g, st, 0, 0);
            }
        }
        return new GrammarMatcher(g, st, value, remain);
    }

    /** The matcher after one code point (a dead one if it cannot follow); no UTF-8 character may be pending. */
    public GrammarMatcher advance(int codePoint) {
        if (partialRemain != 0) {
            throw new IllegalStateException("a UTF-8 character is unfinished");
        }
        return new GrammarMatcher(g, acceptChar(g, stacks, codePoint), 0, 0);
    }

    /** True when this matcher, reached by some bytes, may stand at the end of a token (llama.cpp's rule). */
    boolean acceptableTokenEnd() {
        if (stacks.length == 0) {
            return false;
        }
        if (partialRemain == 0) {
            return true;
        }
        for (int[] s : stacks) {
            if (s.length > 0 && matchPartial(g, s[s.length - 1], partialValue, partialRemain)) {
                return true;
            }
        }
        return false;
    }

    /** True when the whole text matches the grammar (for tests and validation). */
    public static boolean matches(Grammar g, String text) {
        GrammarMatcher m = g.matcher();
        int i = 0;
        while (i < text.length() && !m.dead()) {
            int c = text.codePointAt(i);
            m = m.advance(c);
            i += Character.charCount(c);
        }
        return !m.dead() && m.canEnd();
    }

    // ---- the pushdown automaton -------------------------------------------------------------------------

    private static final int[][] NONE = new int[0][];

    static int[][] acceptChar(Grammar g, int[][] stacks, int c) {
        Set<Key> out = null;
        for (int[] s : stacks) {
            if (s.length == 0) {
                continue;
            }
            int top = s[s.length - 1];
            int next = matchChar(g, top, c);
            if (next < 0) {
                continue;
            }
            if (out == null) {
                out = new LinkedHashSet<>();
            }
            int[] ns;
            if (g.endOfSequence(next)) {
                ns = Arrays.copyOf(s, s.length - 1);
            } else {
                ns = s.clone();
                ns[ns.length - 1] = next;
            }
            expand(g, ns, out);
        }
        return out == null ? NONE : toArray(out);
    }

    /** Expands rule references on top of the stack until a character element (or nothing) is on top. */
    static void expand(Grammar g, int[] stack, Set<Key> out) {
        if (stack.length == 0) {
            out.add(new Key(stack));
            return;
        }
        int pos = stack[stack.length - 1];
        int t = g.type[pos];
        if (t == Grammar.RULE_REF) {
            int rule = g.value[pos];
            int after = pos + 1;
            for (int sub : g.alternatives(rule)) {
                int[] base = Arrays.copyOf(stack, stack.length - 1);
                int n = base.length;
                int[] ns = Arrays.copyOf(base, n + 2);
                if (!g.endOfSequence(after)) {
                    ns[n++] = after;
                }
                if (!g.endOfSequence(sub)) {
                    ns[n++] = sub;
                }
                expand(g, Arrays.copyOf(ns, n), out);
            }
        } else if (t == Grammar.CHAR || t == Grammar.CHAR_NOT || t == Grammar.CHAR_ANY) {
            out.add(new Key(stack));
        } else {
            throw new IllegalStateException("stack top is not a rule or character: element type " + t);
        }
    }

    /** The position after the character element at pos if it matches c, else -1. */
    static int matchChar(Grammar g, int pos, int c) {
        boolean positive = g.type[pos] == Grammar.CHAR || g.type[pos] == Grammar.CHAR_ANY;
        boolean found = false;
        do {
            if (g.type[pos + 1] == Grammar.CHAR_RNG_UPPER) {
                found |= g.value[pos] <= c && c <= g.value[pos + 1];
                pos += 2;
            } else if (g.type[pos] == Grammar.CHAR_ANY) {
                found = true;
                pos += 1;
            } else {
                found |= g.value[pos] == c;
                pos += 1;
            }
        } while (g.type[pos] == Grammar.CHAR_ALT);
        return found == positive ? pos : -1;
    }

    /** Whether some character starting with the unfinished UTF-8 bytes could match the element at pos. */
    static boolean matchPartial(Grammar g, int pos, int value, int remain) {
        boolean positive = g.type[pos] == Grammar.CHAR || g.type[pos] == Grammar.CHAR_ANY;
        if (remain == 1 && value < 2) {
            return false; // an overlong 7-bit character
        }
        int low = value << (remain * 6);
        int high = low | ((1 << (remain * 6)) - 1);
        if (low == 0) {
            if (remain == 2) {
                low = 1 << 11;
            } else if (remain == 3) {
                low = 1 << 16;
            }
        }
        do {
            if (g.type[pos + 1] == Grammar.CHAR_RNG_UPPER) {
                if (g.value[pos] <= high && low <= g.value[pos + 1]) {
                    return positive;
                }
                pos += 2;
            } else if (g.type[pos] == Grammar.CHAR_ANY) {
                return true;
            } else {
                if (low <= g.value[pos] && g.value[pos] <= high) {
                    return positive;
                }
                pos += 1;
            }
        } while (g.type[pos] == Grammar.CHAR_ALT);
        return !positive;
    }

    private static int[][] toArray(Set<Key> set) {
        List<int[]> l = new ArrayList<>(set.size());
        for (Key k : set) {
            l.add(k.a);
        }
        return l.toArray(new int[0][]);
    }

    /** A stack with value equality, for the set of stacks. */
    static final class Key {
        final int[] a;
        private final int hash;

        Key(int[] a) {
            this.a = a;
            this.hash = Arrays.hashCode(a);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && Arrays.equals(a, ((Key) o).a);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
