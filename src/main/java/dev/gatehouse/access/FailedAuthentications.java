package dev.gatehouse.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.config.AuthConfig.FailedAttempts;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Slows, then refuses, repeated failed authentications from one client address: an online
 * guesser (or a misconfigured client hammering with a revoked key) gets ever slower 401s and then
 * 429s for a while, which bounds the work and the log lines it causes.
 *
 * <p>Only failures are looked at: a valid key never touches this class, so it is never slowed or
 * refused, also when it comes from an address that is being refused (a NAT shared with the guesser
 * must not lock a legitimate client out; guessing a gateway key, 256 random bits, is hopeless
 * anyway, so the delay protects the node rather than the keys). The state per address is two
 * numbers in a bounded cache that forgets addresses after their window and block.
 */
public final class FailedAuthentications {
    /** Addresses tracked at most: a scan from many addresses cannot grow the memory without bound. */
    static final int MAX_ADDRESSES = 100_000;

    private final Supplier<FailedAttempts> settings;
    private final LongSupplier clock;
    private final Cache<String, Failures> byAddress;
    private final AtomicLong slowed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    /** What the caller gets for a failure: the 401 (after {@code delayMillis}) or a 429. */
    public record Verdict(GatewayException error, long delayMillis) {}

    /** Failures in the current window and, once refused, until when (millis of the clock). */
    private static final class Failures {
        long windowStart;
        int count;
        long blockedUntil;
    }

    public FailedAuthentications(Supplier<FailedAttempts> settings, LongSupplier clockMillis) {
        this.settings = settings;
        this.clock = clockMillis;
        FailedAttempts initial = settings.get();
        Duration keep = initial.window().plus(initial.blockFor());
        // An address is forgotten once neither its window nor its block can matter any more.
        this.byAddress = Caffeine.newBuilder().maximumSize(MAX_ADDRESSES)
                .expireAfterAccess(keep.compareTo(Duration.ofMinutes(30)) > 0 ? keep : Duration.ofMinutes(30)).build();
    }

    /**
     * A failed authentication from {@code address}: counts it and says how the caller is answered.
     * {@code failure} is the 401 the authenticators gave.
     */
    public Verdict failed(String address, GatewayException failure) {
        FailedAttempts s = settings.get();
        if (!s.enabled() || address == null) {
            return new Verdict(failure, 0);
        }
        long now = clock.getAsLong();
        Failures f = byAddress.get(address, a -> new Failures());
        int count;
        long blockedUntil;
        synchronized (f) { // per address, and only on the failure path
            if (f.blockedUntil > now) {
                blockedUntil = f.blockedUntil;
                count = f.count;
            } else {
                // A block that ended starts a fresh window: the address gets its free attempts back.
                if (f.blockedUntil != 0 || now - f.windowStart >= s.window().toMillis()) {
                    f.blockedUntil = 0;
                    f.windowStart = now;
                    f.count = 0;
                }
                count = ++f.count;
                if (count > s.refuseAfter()) {
                    f.blockedUntil = now + s.blockFor().toMillis();
                }
                blockedUntil = f.blockedUntil;
            }
        }
        if (blockedUntil > now) {
            refused.incrementAndGet();
            long seconds = Math.max(1, (blockedUntil - now + 999) / 1000);
            return new Verdict(new GatewayException(ErrorType.RATE_LIMIT,
                    "Too many failed authentications from this address; try again in " + seconds + " s.",
                    null, "too_many_failed_authentications", Duration.ofSeconds(seconds), 0), 0);
        }
        if (count > s.slowAfter()) {
            slowed.incrementAndGet();
            int doublings = Math.min(20, count - s.slowAfter() - 1);
            return new Verdict(failure, Math.min(s.maxDelay().toMillis(), 100L << doublings));
        }
        return new Verdict(failure, 0);
    }

    /** Failed authentications answered after a delay, since start. */
    public long slowed() {
        return slowed.get();
    }

    /** Failed authentications refused with 429, since start. */
    public long refused() {
        return refused.get();
    }
}
