package dev.gatehouse.access;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.identity.ApiKeys;
import dev.gatehouse.identity.IdentityRegistry;
import dev.gatehouse.identity.VirtualKey;
import java.time.Instant;

/**
 * Recognises virtual keys ({@code gh-...}) from the in-memory registry. A known key that is
 * revoked or expired is refused here with a message saying so, rather than passed on as unknown.
 */
public final class VirtualKeyAuthenticator implements Authenticator {
    private final IdentityRegistry registry;

    public VirtualKeyAuthenticator(IdentityRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Principal authenticate(String token) {
        if (!token.startsWith(VirtualKey.KEY_PREFIX)) {
            return null;
        }
        IdentityRegistry.Entry entry = registry.lookup(ApiKeys.sha256Hex(token));
        if (entry == null) {
            return null;
        }
        VirtualKey key = entry.key();
        long now = registry.now();
        if (key.revokedAt() != null) {
            throw new GatewayException(ErrorType.AUTHENTICATION, "This API key (" + key.displayPrefix() + ") was revoked.", null,
                    "key_revoked");
        }
        if (key.expiresAt() != null && key.expiresAt() <= now) {
            throw new GatewayException(ErrorType.AUTHENTICATION, "This API key (" + key.displayPrefix() + ") expired at "
                    + Instant.ofEpochMilli(key.expiresAt()) + (key.rotatedTo() != null ? " (it was rotated; use the new key)" : "")
                    + ".", null, "key_expired");
        }
        if (entry.principal() == null) {
            throw new GatewayException(ErrorType.AUTHENTICATION, "The owner of this API key no longer exists.", null, "invalid_api_key");
        }
        registry.touch(key.id(), now);
        return entry.principal();
    }
}
