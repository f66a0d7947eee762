package dev.gatehouse.config;

import java.time.Duration;

/**
 * Deadlines of one upstream call. A null field means "inherit": model-level values override
 * provider-level ones, which override the built-in defaults.
 *
 * @param connect to open the TCP/TLS connection
 * @param firstByte from sending the request to the response head (for streams: to the first chunk)
 * @param idle longest gap between two chunks of a streamed body
 * @param total the whole call, body included
 */
public record Timeouts(Duration connect, Duration firstByte, Duration idle, Duration total) {

    public static final Timeouts DEFAULTS = new Timeouts(
            Duration.ofSeconds(10), Duration.ofSeconds(120), Duration.ofSeconds(60), Duration.ofMinutes(10));

    public static final Timeouts INHERIT = new Timeouts(null, null, null, null);

    /** This, with every unset field taken from {@code fallback}. */
    public Timeouts orElse(Timeouts fallback) {
        return new Timeouts(
                connect != null ? connect : fallback.connect,
                firstByte != null ? firstByte : fallback.firstByte,
                idle != null ? idle : fallback.idle,
                total != null ? total : fallback.total);
    }
}
