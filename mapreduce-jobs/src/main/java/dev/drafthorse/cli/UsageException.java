package dev.drafthorse.cli;

/** Bad command-line arguments: the dispatcher prints the message and the usage to stderr and exits 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
