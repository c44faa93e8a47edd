package dev.drafthorse.kernels.tokenizer;

/**
 * The token types stored in GGUF's {@code tokenizer.ggml.token_type} array (llama.cpp's {@code llama_token_type}).
 *
 * <p>They decide how a token is treated: control tokens ({@code <s>}, {@code <|im_end|>}) are matched in text only
 * when special tokens are parsed and print nothing in generated text; user-defined tokens are always matched in
 * text and print as written; byte tokens ({@code <0xE2>}) stand for one raw byte.
 */
public final class TokenType {
    public static final int UNDEFINED = 0;
    public static final int NORMAL = 1;
    public static final int UNKNOWN = 2;
    public static final int CONTROL = 3;
    public static final int USER_DEFINED = 4;
    public static final int UNUSED = 5;
    public static final int BYTE = 6;

    private TokenType() {}

    /** A readable name for {@code type}, e.g. for a {@code tokenize} listing. */
    public static String name(int type) {
        return switch (type) {
            case NORMAL -> "normal";
            case UNKNOWN -> "unknown";
            case CONTROL -> "control";
            case USER_DEFINED -> "user-defined";
            case UNUSED -> "unused";
            case BYTE -> "byte";
            default -> "undefined(" + type + ")";
        };
    }
}
