package dev.drafthorse.cli;

/** A sub-command of {@code drafthorse}. */
public interface Command {
    /** The name users type, e.g. {@code generate}. */
    String name();

    /** One line for the command list. */
    String summary();

    /**
     * Runs the command.
     *
     * @return the exit code: 0 success, 2 bad arguments, 1 failure
     */
    int run(String[] args) throws Exception;
}
