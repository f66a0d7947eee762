package dev.gatehouse.identity;

import dev.gatehouse.call.Principal;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys, users, teams and policies held in memory for the request path, which never reads the
 * database. Changes made through this node's admin API are applied at once ({@link #refresh()}
 * after the write); changes from the CLI or other nodes arrive by polling two revision counters
 * every {@link #POLL_MILLIS} ms and reading only keys whose revision moved. When the database is
 * unreachable the last loaded state keeps serving (fail-static).
 *
 * <p>Last-used times are noted in memory on each authentication and written in batches off the
 * request path.
 */
public final class IdentityRegistry implements AutoCloseable {
    static final long POLL_MILLIS = 250;
    static final long LAST_USED_FLUSH_MILLIS = 2_000;
    private static final Logger LOG = LoggerFactory.getLogger(IdentityRegistry.class);

    /** A key with the principal it authenticates as (null when its owner no longer exists). */
    public record Entry(VirtualKey key, Principal principal) {}

    private final KeyStore keys;
    private final TeamStore teams;
    private final UserStore users;
    private final PolicyStore policies;
    private final LongSupplier clock;
    // Keyed by the hex SHA-256 of the key. A lookup by hash is not a timing oracle: the caller
    // controls the key, not its hash, so timing reveals nothing about stored hashes.
    private final ConcurrentHashMap<String, Entry> byHash = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> lastUsed = new ConcurrentHashMap<>();
    private volatile Directory directory = Directory.EMPTY;
    private long keysRevision = 0;
    private long directoryRevision = -1;
    private long lastFailureLog;
    private ScheduledExecutorService poller;

    public IdentityRegistry(KeyStore keys, TeamStore teams, UserStore users, PolicyStore policies, LongSupplier clock) {
        this.keys = keys;
        this.teams = teams;
        this.users = users;
        this.policies = policies;
        this.clock = clock;
    }

    /** Loads everything (blocking, at startup) and starts polling for changes. */
    public IdentityRegistry start() {
        refresh();
        poller = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("gatehouse-identity").factory());
        poller.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
        poller.scheduleWithFixedDelay(this::flushQuietly, LAST_USED_FLUSH_MILLIS, LAST_USED_FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Brings memory up to date with the database. Blocks on JDBC: call it from the poller,
     * from admin handlers (virtual threads) after a change, or at startup; never on an event loop.
     */
    public synchronized void refresh() {
        Map<String, Long> revisions = keys.revisions();
        long directoryNow = revisions.get(IdentitySql.DIRECTORY);
        if (directoryNow != directoryRevision) {
            directory = Directory.load(teams, users, policies);
            directoryRevision = directoryNow;
            // Roles, teams and policies feed every principal: rebuild them all (cheap: memory only).
            byHash.replaceAll((hash, entry) -> entry(entry.key()));
        }
        if (revisions.get(IdentitySql.KEYS) != keysRevision) {
            for (VirtualKey key : keys.changedSince(keysRevision)) {
                byHash.put(key.keyHash(), entry(key));
                keysRevision = Math.max(keysRevision, key.revision());
            }
        }
    }

    private void poll() {
        try {
            refresh();
        } catch (RuntimeException e) {
            long now = clock.getAsLong();
            if (now - lastFailureLog > 60_000) {
                lastFailureLog = now;
                LOG.warn("cannot refresh keys and policies from the database, serving the last loaded state: {}", e.getMessage());
            }
        }
    }

    private Entry entry(VirtualKey key) {
        Directory d = directory;
        String userId = key.userId();
        User user = userId == null ? null : d.users().get(userId);
        if (userId != null && user == null) {
            return new Entry(key, null);
        }
        String teamId = key.teamId() != null ? key.teamId() : user == null ? null : user.teamId();
        Set<String> roles = user == null ? Set.of() : Set.of(user.role());
        return new Entry(key, new Principal(key.id(), "virtual-key", key.id(), userId, teamId, roles,
                d.rulesFor(key.id(), userId, teamId)));
    }

    /** The key with this hex SHA-256, or null. Memory only. */
    public Entry lookup(String sha256Hex) {
        return byHash.get(sha256Hex);
    }

    public Directory directory() {
        return directory;
    }

    /**
     * Notes that a key was used; written to the database in the next batch. To the second: a key
     * noted less than a second ago is not noted again, so the calls of a busy key on several event
     * loops read the map instead of each taking its entry's lock to write it.
     */
    public void touch(String keyId, long now) {
        Long noted = lastUsed.get(keyId);
        if (noted == null || now - noted >= 1_000) {
            lastUsed.merge(keyId, now, Math::max);
        }
    }

    /** Writes the noted last-used times in one batch. */
    public void flushLastUsed() {
        if (lastUsed.isEmpty()) {
            return;
        }
        Map<String, Long> batch = new HashMap<>();
        for (String id : lastUsed.keySet()) {
            Long at = lastUsed.remove(id);
            if (at != null) {
                batch.put(id, at);
            }
        }
        try {
            keys.recordLastUsed(batch);
        } catch (RuntimeException e) {
            // Put them back (keeping any newer time) so the next flush retries.
            batch.forEach((id, at) -> lastUsed.merge(id, at, Math::max));
            throw e;
        }
    }

    private void flushQuietly() {
        try {
            flushLastUsed();
        } catch (RuntimeException e) {
            LOG.debug("last-used times not written yet: {}", e.getMessage());
        }
    }

    public long now() {
        return clock.getAsLong();
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
            try {
                poller.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flushQuietly();
    }
}
