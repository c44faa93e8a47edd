package dev.drafthorse.kernels.tokenizer;

/**
 * llama.cpp's {@code clean_up_tokenization_spaces} for detokenized text (on by default for byte-level BPE
 * vocabularies, off for SentencePiece and for some pre-tokenizers such as deepseek's and qwen2's).
 *
 * <p>Hugging Face tokenizers undo the spaces their pre-tokenizers attach to punctuation; llama.cpp reproduces
 * that with three passes over the bytes, and so do we, pass by pass, so the results agree byte for byte:
 * <ol>
 *   <li>a space before {@code ?}, {@code !}, {@code .} or {@code ,} is removed;</li>
 *   <li>in " ' " (an apostrophe between two spaces) both spaces are removed, and the byte after the removed right
 *   space is not considered preceded by a space;</li>
 *   <li>the space before {@code 's}, {@code 'm}, {@code 're} and {@code 've} is removed ({@code 't}, {@code 'd}
 *   and {@code 'll} keep theirs).</li>
 * </ol>
 *
 * <p>Every decision looks at most one byte back and two ahead, and only spaces are ever removed. So the result
 * for a text splits at any point where three bytes in a row are "plain" (none of {@code ' '}, {@code '\''},
 * {@code ?}, {@code !}, {@code .}, {@code ,}): the streaming decoder cleans what precedes such a point, keeps the
 * middle byte as context, and goes on; see {@link #isPlain}.
 */
final class CleanSpaces {
    private CleanSpaces() {}

    /** Cleans {@code t[0, n)} in place; returns the new length. */
    static int apply(byte[] t, int n) {
        // Pass 1: " ?", " !", " .", " ,"
        int total = n > 0 ? 1 : 0;
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            t[total++] = x;
        }
        // Pass 2: " ' "
        int total2 = total;
        total = total2 > 0 ? 1 : 0;
        for (int i = 1; i < total2; i++) {
            byte x = t[i];
            if (x == '\'' && i + 1 < total2 && t[i - 1] == ' ' && t[i + 1] == ' ') {
                total--;
                t[++i] = 0; // the right space is skipped, and no longer counts as a space behind the next byte
            }
            t[total++] = x;
        }
        // Pass 3: " 's", " 'm", " 're", " 've"
        int total3 = total;
        total = total3 > 0 ? 1 : 0;
        for (int i = 1; i < total3; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
                byte x1 = t[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < total3) {
                    byte x2 = t[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                        total--;
                    }
                }
            }
            t[total++] = x;
        }
        return total;
    }

    /** A byte that no pass removes, nor looks at to decide about another byte. */
    static boolean isPlain(byte b) {
        return b != ' ' && b != '\'' && b != '?' && b != '!' && b != '.' && b != ',';
    }
}
