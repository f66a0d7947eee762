package dev.gatehouse.config;

/**
 * @param masterKey the administrator key; null or empty means "generate one at first start"
 * @param oidc JWT bearer tokens from an OIDC identity provider, or null when not configured
 */
public record AuthConfig(String masterKey, OidcConfig oidc) {
    public AuthConfig(String masterKey) {
        this(masterKey, null);
    }
}
