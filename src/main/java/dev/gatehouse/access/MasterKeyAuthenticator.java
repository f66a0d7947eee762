package dev.gatehouse.access;

import dev.gatehouse.call.Principal;
import dev.gatehouse.identity.ApiKeys;

/** Accepts the gateway's master key. Only its hash is held, so a heap dump does not reveal it. */
public final class MasterKeyAuthenticator implements Authenticator {
    private final byte[] hash;

    public MasterKeyAuthenticator(byte[] sha256OfMasterKey) {
        this.hash = sha256OfMasterKey.clone();
    }

    @Override
    public Principal authenticate(String token) {
        return ApiKeys.matches(token, hash) ? Principal.MASTER : null;
    }
}
