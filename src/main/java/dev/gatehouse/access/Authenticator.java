package dev.gatehouse.access;

import dev.gatehouse.call.Principal;

/**
 * Recognises a presented credential. Implementations read memory only (the request path never
 * waits on storage) and compare in constant time.
 */
public interface Authenticator {
    /** The principal the token belongs to, or null if this authenticator does not know it. */
    Principal authenticate(String token);
}
