package dev.gatehouse.config;

import java.time.Duration;

/**
 * The {@code responses} section: how long stored Responses API responses are kept.
 *
 * @param retention stored responses older than this are deleted; zero keeps them until deleted
 */
public record ResponsesConfig(Duration retention) {
    /** OpenAI keeps stored responses for 30 days; so does the gateway by default. */
    public static final ResponsesConfig DEFAULTS = new ResponsesConfig(Duration.ofDays(30));
}
