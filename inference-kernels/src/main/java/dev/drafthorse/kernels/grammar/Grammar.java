package dev.drafthorse.kernels.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * A compiled GBNF grammar, laid out as llama.cpp lays out its grammars: every rule is a list of alternatives,
 * each alternative a sequence of elements ending in {@link #ALT} (another alternative follows) or {@link #END}.
 * All rules sit in one flat pair of arrays ({@link #type}, {@link #value}); a position in them is an {@code int},
 * so a parse stack is an {@code int[]} of positions. Repetitions and groups have been rewritten into helper rules
 * by the parser, so the matcher only knows characters, character classes and rule references.
 *
 * <p>Character elements: {@link #CHAR} (a code point, or the first of a class), {@link #CHAR_NOT} (the first of a
 * negated class), then any number of {@link #CHAR_ALT} (another code point of the class) or
 * {@link #CHAR_RNG_UPPER} (turns the previous code point into a range ending here); {@link #CHAR_ANY} is {@code .}.
 */
public final class Grammar {
    static final int END = 0;
    static final int ALT = 1;
    static final int RULE_REF = 2;
    static final int CHAR = 3;
    static final int CHAR_NOT = 4;
    static final int CHAR_RNG_UPPER = 5;
    static final int CHAR_ALT = 6;
    static final int CHAR_ANY = 7;

    final int[] type; // (elements)
    final int[] value; // (elements): code point, or rule id for RULE_REF
    final int[] ruleStart; // (rules): position of the rule's first element
    final int root;
    final List<String> ruleNames;
    private final int[][] alternatives; // (rules): start positions of each rule's alternatives

    Grammar(List<int[]> rules, List<String> ruleNames, int root) {
        int n = 0;
        for (int[] r : rules) {
            n += r.length / 2;
        }
        type = new int[n];
        value = new int[n];
        ruleStart = new int[rules.size()];
        int p = 0;
        for (int i = 0; i < rules.size(); i++) {
            ruleStart[i] = p;
            int[] r = rules.get(i);
            for (int j = 0; j < r.length; j += 2) {
                type[p] = r[j];
                value[p] = r[j + 1];
                p++;
            }
        }
        this.ruleNames = List.copyOf(ruleNames);
        this.root = root;
        alternatives = new int[rules.size()][];
        for (int r = 0; r < rules.size(); r++) {
            alternatives[r] = findAlternatives(r);
        }
    }

    /** Parses GBNF text; {@code source} names it in error messages (a file name, say). */
    public static Grammar parse(String text, String source) {
        return new GbnfParser(text, source).parse();
    }

    public static Grammar parse(String text) {
        return parse(text, "grammar");
    }

    /** A new matcher at the start of the grammar. */
    public GrammarMatcher matcher() {
        return GrammarMatcher.start(this);
    }

    boolean endOfSequence(int pos) {
        return type[pos] == END || type[pos] == ALT;
    }

    int rules() {
        return ruleStart.length;
    }

    /** The positions where each alternative of rule r starts (shared: do not modify). */
    int[] alternatives(int r) {
        return alternatives[r];
    }

    private int[] findAlternatives(int r) {
        List<Integer> out = new ArrayList<>();
        int p = ruleStart[r];
        while (true) {
            out.add(p);
            while (!endOfSequence(p)) {
                p++;
            }
            if (type[p] == ALT) {
                p++;
            } else {
                break;
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
