package dev.gatehouse.access;

import dev.gatehouse.identity.ApiKeys;
import dev.gatehouse.store.SettingsStore;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Decides which master key the gateway accepts. A key in the config (or environment) wins.
 * Otherwise the first start generates one, stores only its hash, and shows the key once; later
 * starts use the stored hash.
 */
public final class MasterKeyBootstrap {
    static final String SETTING = "auth.master-key.sha256";
    public static final String PREFIX = "gh-master-";

    /**
     * @param hash SHA-256 of the accepted master key
     * @param shownOnce the key in clear text when it was generated just now, else null
     * @param origin "config", "generated" or "stored"
     */
    public record MasterKey(byte[] hash, String shownOnce, String origin) {}

    private MasterKeyBootstrap() {}

    public static MasterKey resolve(String configured, SettingsStore settings, boolean regenerate) {
        if (configured != null && !configured.isBlank()) {
            return new MasterKey(ApiKeys.sha256(configured), null, "config");
        }
        if (!regenerate) {
            Optional<String> stored = settings.get(SETTING);
            if (stored.isPresent()) {
                return new MasterKey(HexFormat.of().parseHex(stored.get()), null, "stored");
            }
        }
        String key = ApiKeys.generate(PREFIX);
        String hex = ApiKeys.sha256Hex(key);
        if (regenerate) {
            settings.put(SETTING, hex);
        } else if (!settings.putIfAbsent(SETTING, hex)) {
            // Another node sharing this database generated one first: use theirs.
            return new MasterKey(HexFormat.of().parseHex(settings.get(SETTING).orElseThrow()), null, "stored");
        }
        return new MasterKey(HexFormat.of().parseHex(hex), key, "generated");
    }
}
