package dev.gatehouse.secrets;

/**
 * A secret could not be encrypted or decrypted: no key configured, an unknown key id, a
 * malformed envelope, or an authentication failure (tampered ciphertext, wrong row). The message
 * names key ids and rows, never key material or plaintext, so it is safe to log and return.
 */
public final class SecretException extends RuntimeException {
    public SecretException(String message) {
        super(message);
    }

    public SecretException(String message, Throwable cause) {
        super(message, cause);
    }
}
