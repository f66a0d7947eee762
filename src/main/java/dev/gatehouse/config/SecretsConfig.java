package dev.gatehouse.config;

/**
 * The {@code secrets} section: how stored provider credentials (BYOK) are protected and whether
 * callers may bring their own provider key.
 *
 * @param encryptionKeys the master key ring {@code "k2:<base64>,k1:<base64>"}, current first; null
 *     means "read the GATEHOUSE_ENCRYPTION_KEYS environment variable"
 * @param allowCallerProviderKeys whether a caller may send its own provider key in
 *     {@code x-gatehouse-provider-key} (default false)
 */
public record SecretsConfig(String encryptionKeys, boolean allowCallerProviderKeys) {
    public static final SecretsConfig DEFAULTS = new SecretsConfig(null, false);

    @Override
    public String toString() {
        return "SecretsConfig[encryptionKeys=" + (encryptionKeys == null ? "from environment" : "***")
                + ", allowCallerProviderKeys=" + allowCallerProviderKeys + "]";
    }
}
