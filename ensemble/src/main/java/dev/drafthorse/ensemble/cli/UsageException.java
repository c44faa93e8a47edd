package dev.drafthorse.ensemble.cli;

/** A bad command line: exit code 2, message and usage on stderr. */
public class UsageException extends Exception {
    public UsageException(String message) {
        super(message);
    }
}
