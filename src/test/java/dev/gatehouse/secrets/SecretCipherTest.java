package dev.gatehouse.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretCipherTest {
    static final String K1 = key();
    static final String K2 = key();
    static final String AAD = StoredCredential.aad("team-a", "openai");
    static final String SECRET = "sk-proj-THIS-IS-THE-SECRET-abcd";

    static String key() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    @Test
    void roundTripsAndUsesAFreshNonceEachTime() {
        SecretCipher cipher = SecretCipher.parse("k1:" + K1);
        String a = cipher.encrypt(SECRET, AAD);
        String b = cipher.encrypt(SECRET, AAD);
        assertThat(a).startsWith("v1:k1:").doesNotContain(SECRET).isNotEqualTo(b);
        assertThat(a.split(":")).hasSize(4);
        assertThat(Base64.getDecoder().decode(a.split(":")[2])).hasSize(12);
        assertThat(cipher.decrypt(a, AAD)).isEqualTo(SECRET);
        assertThat(cipher.decrypt(b, AAD)).isEqualTo(SECRET);
    }

    @Test
    void aFlippedByteFailsAuthentication() {
        SecretCipher cipher = SecretCipher.parse("k1:" + K1);
        String envelope = cipher.encrypt(SECRET, AAD);
        String[] parts = envelope.split(":");
        byte[] sealed = Base64.getDecoder().decode(parts[3]);
        for (int i : new int[] {0, sealed.length / 2, sealed.length - 1}) { // ciphertext and tag
            byte[] copy = sealed.clone();
            copy[i] ^= 0x01;
            String tampered = parts[0] + ":" + parts[1] + ":" + parts[2] + ":" + Base64.getEncoder().encodeToString(copy);
            assertThatThrownBy(() -> cipher.decrypt(tampered, AAD))
                    .isInstanceOf(SecretException.class)
                    .hasMessageContaining("failed authentication")
                    .hasMessageNotContaining(SECRET);
        }
        byte[] nonce = Base64.getDecoder().decode(parts[2]);
        nonce[0] ^= 0x01;
        String badNonce = parts[0] + ":" + parts[1] + ":" + Base64.getEncoder().encodeToString(nonce) + ":" + parts[3];
        assertThatThrownBy(() -> cipher.decrypt(badNonce, AAD)).isInstanceOf(SecretException.class);
    }

    @Test
    void aCiphertextMovedToAnotherRowDoesNotDecrypt() {
        SecretCipher cipher = SecretCipher.parse("k1:" + K1);
        String envelope = cipher.encrypt(SECRET, AAD);
        assertThatThrownBy(() -> cipher.decrypt(envelope, StoredCredential.aad("team-b", "openai")))
                .isInstanceOf(SecretException.class).hasMessageContaining("another row");
        assertThatThrownBy(() -> cipher.decrypt(envelope, StoredCredential.aad("team-a", "anthropic")))
                .isInstanceOf(SecretException.class);
    }

    @Test
    void rotationKeepsOldEnvelopesReadableAndReencryptsUnderTheNewKey() {
        SecretCipher before = SecretCipher.parse("k1:" + K1);
        String old = before.encrypt(SECRET, AAD);

        SecretCipher after = SecretCipher.parse("k2:" + K2 + ", k1:" + K1);
        assertThat(after.currentKeyId()).isEqualTo("k2");
        assertThat(after.keyIds()).containsExactly("k2", "k1");
        assertThat(after.decrypt(old, AAD)).isEqualTo(SECRET);
        assertThat(after.needsReencryption(old)).isTrue();

        String moved = after.reencrypt(old, AAD);
        assertThat(SecretCipher.keyIdOf(moved)).isEqualTo("k2");
        assertThat(after.needsReencryption(moved)).isFalse();
        // Once moved, the old key can be dropped.
        assertThat(SecretCipher.parse("k2:" + K2).decrypt(moved, AAD)).isEqualTo(SECRET);
        assertThatThrownBy(() -> before.decrypt(moved, AAD)).isInstanceOf(SecretException.class);
    }

    @Test
    void aMissingKeyIsAClearErrorWithoutKeyMaterial() {
        String envelope = SecretCipher.parse("k1:" + K1).encrypt(SECRET, AAD);
        assertThatThrownBy(() -> SecretCipher.parse("k2:" + K2).decrypt(envelope, AAD))
                .isInstanceOf(SecretException.class)
                .hasMessageContaining("'k1'")
                .hasMessageContaining("GATEHOUSE_ENCRYPTION_KEYS")
                .hasMessageContaining("it has: k2")
                .hasMessageNotContaining(K2);
        assertThatThrownBy(() -> SecretCipher.none().decrypt(envelope, AAD))
                .hasMessageContaining("it is not set");
        assertThatThrownBy(() -> SecretCipher.none().encrypt(SECRET, AAD))
                .isInstanceOf(SecretException.class).hasMessageContaining("GATEHOUSE_ENCRYPTION_KEYS");
    }

    @Test
    void badKeyRingsAreRejectedWithoutEchoingTheKey() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> SecretCipher.parse("k1:" + shortKey))
                .hasMessageContaining("32 bytes").hasMessageNotContaining(shortKey);
        assertThatThrownBy(() -> SecretCipher.parse("k1:not base64!!")).hasMessageContaining("base64");
        assertThatThrownBy(() -> SecretCipher.parse(K1)).hasMessageContaining("<key-id>:");
        assertThatThrownBy(() -> SecretCipher.parse("k1:" + K1 + ",k1:" + K2)).hasMessageContaining("twice");
        assertThat(SecretCipher.parse("  ").configured()).isFalse();
        assertThat(SecretCipher.parse("k1:" + K1).toString()).doesNotContain(K1);
    }

    @Test
    void malformedEnvelopesAreRejected() {
        SecretCipher cipher = SecretCipher.parse("k1:" + K1);
        assertThatThrownBy(() -> cipher.decrypt("sk-plaintext", AAD)).hasMessageContaining("malformed");
        assertThatThrownBy(() -> cipher.decrypt("v2:k1:a:b", AAD)).hasMessageContaining("malformed");
        assertThatThrownBy(() -> cipher.decrypt("v1:k1:***:***", AAD)).hasMessageContaining("malformed");
    }

    @Test
    void masking() {
        assertThat(Masking.mask("sk-proj-abcdefghijklmnopqrstuvwxyz1234")).isEqualTo("sk-…1234");
        assertThat(Masking.mask("AIzaSyA-abcdefghijklmnop9876")).isEqualTo("…9876");
        assertThat(Masking.mask("short")).isEqualTo("…");
        assertThat(Masking.isMasked(Masking.mask("sk-ant-api03-abcdefghijklmnop"))).isTrue();
    }
}
