package dev.gatehouse.identity;

import dev.gatehouse.call.Sha256;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Making and hashing API keys. Keys are 256 random bits, so a single SHA-256 is the right hash:
 * slow password hashes defend low-entropy secrets and would only slow the request path here.
 */
public final class ApiKeys {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {}

    /** A new key: {@code prefix} followed by 43 URL-safe characters of randomness. */
    public static String generate(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static byte[] sha256(String key) {
        return Sha256.of(key);
    }

    public static String sha256Hex(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    /** Constant-time comparison of a presented key against a stored hash. */
    public static boolean matches(String presented, byte[] storedHash) {
        return MessageDigest.isEqual(sha256(presented), storedHash);
    }
}
