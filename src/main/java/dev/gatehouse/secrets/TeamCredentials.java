package dev.gatehouse.secrets;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decrypted team provider keys, in memory, for the request path: team id → provider name →
 * API key. Rebuilt from storage off the event loop ({@link #refresh}) at start, after every
 * change on this node and periodically (changes made on other nodes); the request path reads an
 * immutable map with one volatile read. Envelopes already decrypted are not decrypted again.
 */
public final class TeamCredentials {
    private static final Logger LOG = LoggerFactory.getLogger(TeamCredentials.class);

    private final CredentialStore store;
    private final SecretCipher cipher;
    private volatile Map<String, Map<String, String>> keys = Map.of();
    // (AAD, ciphertext) → plaintext from the previous refresh: a refresh only decrypts what changed.
    // Keyed by the AAD too, or a ciphertext copied into another team's row would skip the AAD check.
    private volatile Map<String, String> decrypted = Map.of();
    private final AtomicLong version = new AtomicLong();

    public TeamCredentials(CredentialStore store, SecretCipher cipher) {
        this.store = store;
        this.cipher = cipher;
    }

    public SecretCipher cipher() {
        return cipher;
    }

    /**
     * Checks at startup that every stored credential can be decrypted with the configured keys.
     *
     * @throws SecretException naming the missing key id(s) and how many credentials need them
     */
    public void loadOrFail() {
        List<StoredCredential> rows = store.all();
        Map<String, Integer> missing = new HashMap<>();
        for (StoredCredential row : rows) {
            String kid = SecretCipher.keyIdOf(row.ciphertext());
            if (!cipher.hasKey(kid)) {
                missing.merge(kid, 1, Integer::sum);
            }
        }
        if (!missing.isEmpty()) {
            String kid = missing.keySet().iterator().next();
            throw new SecretException(missing.values().stream().mapToInt(Integer::intValue).sum()
                    + " provider credential(s) cannot be decrypted: " + cipher.missingKeyMessage(kid)
                    + (missing.size() > 1 ? " (also missing: " + missing.keySet() + ")" : ""));
        }
        apply(rows);
    }

    /** Reloads from storage; throws StorageException when the database cannot be read. */
    public synchronized void refresh() {
        apply(store.all());
    }

    /** {@link #refresh} for the periodic task: on failure the last good map keeps serving. */
    public void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("team provider credentials not refreshed, the previous ones keep serving: {}", e.getMessage());
        }
    }

    private synchronized void apply(List<StoredCredential> rows) {
        Map<String, String> previous = decrypted;
        Map<String, String> nextDecrypted = new HashMap<>();
        Map<String, Map<String, String>> next = new HashMap<>();
        for (StoredCredential row : rows) {
            String cacheKey = row.aad() + "\u0000" + row.ciphertext();
            String plain = previous.get(cacheKey);
            if (plain == null) {
                try {
                    plain = cipher.decrypt(row.ciphertext(), row.aad());
                } catch (SecretException e) {
                    // Never the secret, only the row and the reason. The team's traffic then uses
                    // the gateway's own key for that provider, as before it registered one.
                    LOG.error("provider credential {} (team {}, provider {}) is not used: {}", row.id(), row.teamId(),
                            row.provider(), e.getMessage());
                    continue;
                }
            }
            nextDecrypted.put(cacheKey, plain);
            next.computeIfAbsent(row.teamId(), t -> new HashMap<>()).put(row.provider(), plain);
        }
        next.replaceAll((team, byProvider) -> Map.copyOf(byProvider));
        Map<String, Map<String, String>> frozen = Map.copyOf(next);
        if (!frozen.equals(keys)) {
            keys = frozen;
            version.incrementAndGet();
        }
        decrypted = nextDecrypted;
    }

    /** What {@link #reencryptAll} did. */
    public record Reencryption(int reencrypted, int alreadyCurrent, int failed, String currentKeyId) {}

    /**
     * Master key rotation: re-encrypts every credential not under the current key id (a fresh
     * nonce, the same AAD). A row that another node changed meanwhile is left to that change; a
     * row that cannot be decrypted is counted as failed and named in the log (never its secret).
     */
    public synchronized Reencryption reencryptAll() {
        if (!cipher.configured()) {
            throw new SecretException("no encryption key is configured: set " + SecretCipher.ENV);
        }
        int moved = 0;
        int current = 0;
        int failed = 0;
        for (StoredCredential row : store.all()) {
            if (!cipher.needsReencryption(row.ciphertext())) {
                current++;
                continue;
            }
            try {
                String envelope = cipher.reencrypt(row.ciphertext(), row.aad());
                if (store.replaceSecret(row.id(), row.ciphertext(), envelope, cipher.currentKeyId(), row.keyHint(),
                        System.currentTimeMillis())) {
                    moved++;
                }
            } catch (SecretException e) {
                failed++;
                LOG.error("provider credential {} (team {}, provider {}) not re-encrypted: {}", row.id(), row.teamId(),
                        row.provider(), e.getMessage());
            }
        }
        refresh();
        return new Reencryption(moved, current, failed, cipher.currentKeyId());
    }

    /** The team's keys by provider name (empty when it has none). Memory only. */
    public Map<String, String> forTeam(String teamId) {
        Map<String, String> byProvider = teamId == null ? null : keys.get(teamId);
        return byProvider == null ? Map.of() : byProvider;
    }

    /** Changes whenever the set of keys changes (cached provider copies are then rebuilt). */
    public long version() {
        return version.get();
    }

    @Override
    public String toString() {
        return "TeamCredentials[" + keys.size() + " teams]";
    }
}
