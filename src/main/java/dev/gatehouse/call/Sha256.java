package dev.gatehouse.call;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 digests for code on a call's path (key lookups, cache keys). {@code MessageDigest.getInstance}
 * looks the algorithm up among the security providers and checks the algorithm constraints on every
 * call, which cost several times the hashing of a key; a clone of one prototype costs a copy of its
 * few state words, and each caller has its own instance (no sharing between threads, no reentrancy).
 */
public final class Sha256 {
    private static final MessageDigest PROTOTYPE;

    static {
        try {
            PROTOTYPE = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError("SHA-256 is required by every Java runtime");
        }
    }

    private Sha256() {}

    /** A new digest, ready for {@code update} calls. */
    public static MessageDigest digest() {
        try {
            return (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the runtime's SHA-256 cannot be cloned", e);
        }
    }

    public static byte[] of(byte[] bytes) {
        return digest().digest(bytes);
    }

    public static byte[] of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }
}
