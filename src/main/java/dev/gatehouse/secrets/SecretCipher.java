package dev.gatehouse.secrets;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM encryption of stored secrets under a ring of master keys.
 *
 * <p>Envelope: {@code v1:<kid>:<base64 nonce>:<base64 ciphertext+tag>}, with a fresh random
 * 96-bit nonce per encryption and a 128-bit tag. The key id says which master key decrypts it,
 * so the master key can be rotated: new secrets use the first (current) key, old envelopes stay
 * readable as long as their key is still in the ring, and {@link #needsReencryption} finds the
 * ones to move. The associated data (AAD) binds an envelope to its row (e.g. team + provider):
 * copied into another row it fails to decrypt instead of silently serving the wrong secret.
 *
 * <p>The ring is configured as {@code "k2:<base64 32 bytes>,k1:<base64 32 bytes>"}, current first.
 * Nothing here ever puts key material or plaintext into a message or {@link #toString}.
 */
public final class SecretCipher {
    public static final String ENV = "GATEHOUSE_ENCRYPTION_KEYS";
    private static final String VERSION = "v1";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_.-]{1,32}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String currentKeyId;
    private final Map<String, SecretKey> keys;

    private SecretCipher(String currentKeyId, Map<String, SecretKey> keys) {
        this.currentKeyId = currentKeyId;
        this.keys = keys;
    }

    /** A cipher without keys: it can say which key ids it lacks, but encrypts and decrypts nothing. */
    public static SecretCipher none() {
        return new SecretCipher(null, Map.of());
    }

    /**
     * Parses a key ring. Null or blank gives {@link #none()}.
     *
     * @throws SecretException naming the entry (by position and key id) that is malformed
     */
    public static SecretCipher parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return none();
        }
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        String current = null;
        String[] entries = spec.split(",");
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].strip();
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new SecretException("encryption key #" + (i + 1) + " must look like <key-id>:<base64 of 32 bytes>");
            }
            String kid = entry.substring(0, colon).strip();
            if (!KEY_ID.matcher(kid).matches()) {
                throw new SecretException("encryption key #" + (i + 1) + ": key id must be 1-32 of A-Z a-z 0-9 _ . -");
            }
            byte[] raw;
            try {
                raw = Base64.getDecoder().decode(entry.substring(colon + 1).strip());
            } catch (IllegalArgumentException e) {
                throw new SecretException("encryption key '" + kid + "' is not valid base64");
            }
            if (raw.length != 32) {
                throw new SecretException("encryption key '" + kid + "' must be 32 bytes (AES-256), got " + raw.length
                        + " (generate one with: openssl rand -base64 32)");
            }
            if (keys.putIfAbsent(kid, new SecretKeySpec(raw, "AES")) != null) {
                throw new SecretException("encryption key id '" + kid + "' appears twice");
            }
            if (current == null) {
                current = kid;
            }
        }
        return new SecretCipher(current, Collections.unmodifiableMap(keys));
    }

    /** Whether any key is configured (so secrets can be stored). */
    public boolean configured() {
        return currentKeyId != null;
    }

    /** The key id new envelopes use, or null when none is configured. */
    public String currentKeyId() {
        return currentKeyId;
    }

    /** Every key id in the ring, current first. */
    public List<String> keyIds() {
        return new ArrayList<>(keys.keySet());
    }

    public boolean hasKey(String keyId) {
        return keys.containsKey(keyId);
    }

    /** Encrypts {@code plaintext} under the current key, bound to {@code aad}. */
    public String encrypt(String plaintext, String aad) {
        if (currentKeyId == null) {
            throw new SecretException("no encryption key is configured: set " + ENV
                    + " (e.g. k1:$(openssl rand -base64 32)) to store provider credentials");
        }
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            Base64.Encoder b64 = Base64.getEncoder();
            return VERSION + ":" + currentKeyId + ":" + b64.encodeToString(nonce) + ":" + b64.encodeToString(sealed);
        } catch (GeneralSecurityException e) {
            throw new SecretException("encryption failed: " + e.getClass().getSimpleName(), e);
        }
    }

    /**
     * Decrypts an envelope made by {@link #encrypt} with the same {@code aad}.
     *
     * @throws SecretException when the key id is not in the ring, the envelope is malformed, or
     *     authentication fails (tampered, or made for another row)
     */
    public String decrypt(String envelope, String aad) {
        String[] parts = split(envelope);
        SecretKey key = keys.get(parts[1]);
        if (key == null) {
            throw new SecretException(missingKeyMessage(parts[1]));
        }
        try {
            Base64.Decoder b64 = Base64.getDecoder();
            byte[] nonce = b64.decode(parts[2]);
            byte[] sealed = b64.decode(parts[3]);
            if (nonce.length != NONCE_BYTES) {
                throw new SecretException("malformed encrypted secret: nonce must be 12 bytes");
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(sealed), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new SecretException("malformed encrypted secret: not base64");
        } catch (AEADBadTagException e) {
            throw new SecretException("encrypted secret failed authentication under key '" + parts[1]
                    + "': it was altered, or belongs to another row");
        } catch (GeneralSecurityException e) {
            throw new SecretException("decryption failed: " + e.getClass().getSimpleName(), e);
        }
    }

    /** The key id an envelope was made with. */
    public static String keyIdOf(String envelope) {
        return split(envelope)[1];
    }

    /** Whether the envelope was made with a key other than the current one. */
    public boolean needsReencryption(String envelope) {
        return !keyIdOf(envelope).equals(currentKeyId);
    }

    /** Re-encrypts under the current key (a fresh nonce); the plaintext never leaves this method. */
    public String reencrypt(String envelope, String aad) {
        return encrypt(decrypt(envelope, aad), aad);
    }

    /** A clear message for an envelope whose key is not configured. */
    public String missingKeyMessage(String keyId) {
        return "secrets are encrypted under key id '" + keyId + "', which is not in " + ENV
                + (keys.isEmpty() ? " (it is not set)" : " (it has: " + String.join(", ", keys.keySet()) + ")")
                + "; add '" + keyId + ":<base64 key>' to it (after the current key)";
    }

    private static String[] split(String envelope) {
        String[] parts = envelope == null ? new String[0] : envelope.split(":", -1);
        if (parts.length != 4 || !VERSION.equals(parts[0]) || parts[1].isEmpty()) {
            throw new SecretException("malformed encrypted secret: expected v1:<kid>:<nonce>:<ciphertext>");
        }
        return parts;
    }

    @Override
    public String toString() {
        return "SecretCipher[current=" + currentKeyId + ", keys=" + keys.keySet() + "]";
    }
}
