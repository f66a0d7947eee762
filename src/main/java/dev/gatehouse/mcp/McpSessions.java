package dev.gatehouse.mcp;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * MCP sessions that need no shared state: the {@code Mcp-Session-Id} the gateway hands out at
 * {@code initialize} is signed (HMAC-SHA256) and carries what later requests need: whose session
 * it is and the negotiated protocol version. Every node derives the same signing key from the
 * master key all nodes share, so a session started on one node continues on any other, and a
 * restart keeps it. A session only ever serves the caller it was issued to.
 */
public final class McpSessions {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    /** Sessions older than this are refused (the client initialises again). */
    static final long MAX_AGE_MILLIS = 7L * 24 * 3600 * 1000;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    /** @param secret shared by every node (the master key's hash); never leaves the process */
    public McpSessions(byte[] secret) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("gatehouse mcp session v1\0".getBytes(StandardCharsets.UTF_8));
            sha.update(secret);
            this.key = new SecretKeySpec(sha.digest(), "HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A verified session. */
    public record Session(String principalId, String protocolVersion, long issuedAt) {}

    public String issue(String principalId, String protocolVersion) {
        byte[] nonce = new byte[9];
        random.nextBytes(nonce);
        String payload = "v1\n" + principalId + "\n" + protocolVersion + "\n" + System.currentTimeMillis() + "\n" + B64.encodeToString(nonce);
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return B64.encodeToString(bytes) + "." + B64.encodeToString(mac(bytes));
    }

    /** The session, or null when the id is malformed, forged, expired or another caller's. */
    public Session verify(String id, String principalId) {
        if (id == null || id.length() > 1024) {
            return null;
        }
        int dot = id.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        try {
            byte[] payload = B64D.decode(id.substring(0, dot));
            byte[] signature = B64D.decode(id.substring(dot + 1));
            if (!MessageDigest.isEqual(signature, mac(payload))) {
                return null;
            }
            String[] parts = new String(payload, StandardCharsets.UTF_8).split("\n", -1);
            if (parts.length != 5 || !parts[0].equals("v1") || !parts[1].equals(principalId)) {
                return null;
            }
            long issued = Long.parseLong(parts[3]);
            if (System.currentTimeMillis() - issued > MAX_AGE_MILLIS) {
                return null;
            }
            return new Session(parts[1], parts[2], issued);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private byte[] mac(byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
