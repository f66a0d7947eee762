package dev.gatehouse.secrets;

/**
 * A row of {@code provider_credentials}: a team's own key for one provider, encrypted.
 *
 * @param ciphertext the AES-256-GCM envelope (never shown)
 * @param keyId the master key id the envelope was made with
 * @param keyHint the masked key (sk-…abcd): the only form of the key ever shown
 */
public record StoredCredential(String id, String teamId, String provider, String ciphertext, String keyId,
        String keyHint, String createdBy, long createdAt, long updatedAt) {

    /** The associated data binding the envelope to its row: another team or provider fails to decrypt it. */
    public String aad() {
        return aad(teamId, provider);
    }

    public static String aad(String teamId, String provider) {
        return "gatehouse/provider-credential/v1\u0000" + teamId + "\u0000" + provider;
    }

    @Override
    public String toString() {
        return "StoredCredential[id=" + id + ", team=" + teamId + ", provider=" + provider + ", key=" + keyHint
                + ", kid=" + keyId + "]";
    }
}
