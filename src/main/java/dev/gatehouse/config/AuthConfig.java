package dev.gatehouse.config;

import java.time.Duration;

/**
 * @param masterKey the administrator key; null or empty means "generate one at first start"
 * @param oidc JWT bearer tokens from an OIDC identity provider, or null when not configured
 * @param failedAttempts how repeated failed authentications from one address are slowed and refused
 */
public record AuthConfig(String masterKey, OidcConfig oidc, FailedAttempts failedAttempts) {
    public AuthConfig {
        failedAttempts = failedAttempts == null ? FailedAttempts.DEFAULTS : failedAttempts;
    }

    public AuthConfig(String masterKey, OidcConfig oidc) {
        this(masterKey, oidc, FailedAttempts.DEFAULTS);
    }

    public AuthConfig(String masterKey) {
        this(masterKey, null, FailedAttempts.DEFAULTS);
    }

    /**
     * Failed authentications (a key or token that is not valid) counted per client address over
     * {@code window}: beyond {@code slowAfter} each further failure is answered after a delay
     * that doubles up to {@code maxDelay}; beyond {@code refuseAfter} the address's failures are
     * refused with 429 for {@code blockFor}. A valid key is never slowed or refused.
     */
    public record FailedAttempts(boolean enabled, int slowAfter, int refuseAfter, Duration window, Duration blockFor,
            Duration maxDelay) {
        public static final FailedAttempts DEFAULTS =
                new FailedAttempts(true, 5, 20, Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofSeconds(2));
    }
}
