package dev.gatehouse.config;

import java.util.Set;

/**
 * The {@code zdr} section: which traffic is zero-data-retention traffic. Such calls leave no
 * prompt or answer content anywhere (database, logs, traces, caches, spool) and are routed only
 * to providers marked {@code zdr: true}.
 *
 * @param enabled every call is ZDR
 * @param teams team ids whose calls are ZDR
 * @param keys virtual key ids whose calls are ZDR
 */
public record ZdrConfig(boolean enabled, Set<String> teams, Set<String> keys) {
    public static final ZdrConfig OFF = new ZdrConfig(false, Set.of(), Set.of());

    public ZdrConfig {
        teams = teams == null ? Set.of() : Set.copyOf(teams);
        keys = keys == null ? Set.of() : Set.copyOf(keys);
    }

    /** Whether a call by this key and team is zero-data-retention traffic. */
    public boolean applies(String keyId, String teamId) {
        return enabled || (teamId != null && teams.contains(teamId)) || (keyId != null && keys.contains(keyId));
    }

    /** Whether any traffic at all can be ZDR (lets the hot path skip the check). */
    public boolean any() {
        return enabled || !teams.isEmpty() || !keys.isEmpty();
    }
}
