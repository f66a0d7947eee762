package dev.gatehouse.config;

import java.time.Duration;

/**
 * JWT bearer tokens from the organisation's OpenID Connect identity provider ({@code auth.oidc}).
 *
 * @param issuer the exact {@code iss} tokens must carry
 * @param audience the {@code aud} tokens must include
 * @param jwksUrl where the provider publishes its signing keys (JSON Web Key Set)
 * @param userClaim the claim naming the user (default {@code sub})
 * @param teamClaim the claim naming the team, by id or name (default {@code team})
 * @param rolesClaim the claim listing admin roles (default {@code roles}); dotted paths reach nested claims
 * @param jwksRefresh how often the key set is fetched again (default 10 minutes)
 * @param jwksMinRefresh the least time between fetches triggered by an unknown key id (default 10 seconds)
 */
public record OidcConfig(String issuer, String audience, String jwksUrl, String userClaim, String teamClaim, String rolesClaim,
        Duration jwksRefresh, Duration jwksMinRefresh) {
    public static final Duration DEFAULT_REFRESH = Duration.ofMinutes(10);
    public static final Duration DEFAULT_MIN_REFRESH = Duration.ofSeconds(10);
}
