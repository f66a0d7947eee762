package dev.gatehouse.config;

import java.util.List;

/**
 * The configuration cannot be used. The message lists every problem found, one per line, each
 * as {@code file:line: key.path: what is wrong}, so a user fixes them all in one round.
 */
public final class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    /** Each problem, without the summary line. */
    public List<String> problems() {
        return problems;
    }

    private static String format(List<String> problems) {
        if (problems.size() == 1) {
            return "Invalid configuration: " + problems.get(0);
        }
        return "Invalid configuration, " + problems.size() + " problems:\n  " + String.join("\n  ", problems);
    }
}
