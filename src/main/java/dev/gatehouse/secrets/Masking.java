package dev.gatehouse.secrets;

/** How secrets are shown to people: enough to recognise one, never enough to use it. */
public final class Masking {
    private Masking() {}

    /**
     * {@code sk-proj-abc…wxyz} becomes {@code sk-…wxyz}: the vendor prefix up to the first dash
     * (at most 4 characters) and the last 4 characters. Short secrets show nothing at all.
     */
    public static String mask(String secret) {
        if (secret == null || secret.isEmpty()) {
            return secret;
        }
        if (secret.length() < 12) {
            return "…";
        }
        int dash = secret.indexOf('-');
        String prefix = dash > 0 && dash <= 4 ? secret.substring(0, dash + 1) : "";
        return prefix + "…" + secret.substring(secret.length() - 4);
    }

    /** Whether {@code value} already looks masked (so masking twice changes nothing). */
    public static boolean isMasked(String value) {
        return value != null && (value.contains("…") || value.contains("****"));
    }
}
