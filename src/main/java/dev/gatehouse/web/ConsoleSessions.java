package dev.gatehouse.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The admin console's sign-in sessions, in this node's memory. A session holds the credential
 * the user signed in with (master key, virtual key or an SSO token) and nothing else: every admin
 * call made with the session cookie is authenticated again from that credential, so a revoked key
 * or a removed user ends their sessions at once, and the console can do nothing the credential
 * could not do with curl.
 *
 * <p>The cookie carries a random id; the map is keyed by its SHA-256, so the ids themselves are
 * not kept. Each session also has a CSRF token the console sends as {@code X-CSRF-Token} on every
 * change (the cookie is SameSite=Strict as well; the header is the second lock).
 */
public final class ConsoleSessions {
    public static final String COOKIE = "gatehouse_console";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    public static final Duration DEFAULT_TTL = Duration.ofHours(8);
    /** A bound on memory: signing in again and again must not grow the map without end. */
    static final int MAX_SESSIONS = 10_000;

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Duration ttl;
    private final LongSupplier clock;

    /** One signed-in browser. */
    public record Session(String credential, String csrf, long expiresAtMillis) {}

    /** A new session: the id for the cookie and the session itself. */
    public record Opened(String id, Session session) {}

    public ConsoleSessions(Duration ttl, LongSupplier clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    public ConsoleSessions() {
        this(DEFAULT_TTL, System::currentTimeMillis);
    }

    public Duration ttl() {
        return ttl;
    }

    public Opened open(String credential) {
        long now = clock.getAsLong();
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.values().removeIf(s -> s.expiresAtMillis() <= now);
        }
        if (sessions.size() >= MAX_SESSIONS) {
            // Full of live sessions: drop the one closest to its end rather than refuse to sign in.
            sessions.entrySet().stream().min(Map.Entry.comparingByValue((a, b) -> Long.compare(a.expiresAtMillis(), b.expiresAtMillis())))
                    .ifPresent(oldest -> sessions.remove(oldest.getKey()));
        }
        String id = token();
        Session session = new Session(credential, token(), now + ttl.toMillis());
        sessions.put(hash(id), session);
        return new Opened(id, session);
    }

    /** The live session for a cookie value, or null (unknown or expired). */
    public Session find(String id) {
        if (id == null || id.isEmpty() || id.length() > 100) {
            return null;
        }
        String key = hash(id);
        Session session = sessions.get(key);
        if (session != null && session.expiresAtMillis() <= clock.getAsLong()) {
            sessions.remove(key);
            return null;
        }
        return session;
    }

    /** Live and expired-but-not-yet-dropped sessions (a bound check). */
    int size() {
        return sessions.size();
    }

    public void close(String id) {
        if (id != null && id.length() <= 100) {
            sessions.remove(hash(id));
        }
    }

    /** Whether {@code presented} is the session's CSRF token (constant time). */
    public static boolean csrfMatches(Session session, String presented) {
        return presented != null && MessageDigest.isEqual(session.csrf().getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }

    private String token() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String hash(String id) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
