package dev.gatehouse.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-event-loop deadlines on a real Vert.x event loop: precision, context, cancellation, many entries, no idle timer. */
class DeadlinesTest {
    /**
     * Scheduling jitter allowed on top of one tick: the test machine has two shared cores, and a
     * busy one (other builds) delayed a 1,000 ms deadline by 81 ms. A deadline that is wrong by a
     * tick count or a unit is off by far more than this.
     */
    static final long SLACK_MILLIS = 150;

    static Vertx vertx;
    static ContextInternal loop;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        loop = (ContextInternal) vertx.getOrCreateContext();
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
    }

    static <T> T onLoop(Supplier<T> work) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.runOnContext(v -> {
            try {
                result.complete(work.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    static Deadlines deadlines() throws Exception {
        return onLoop(() -> Deadlines.current(vertx));
    }

    @Test
    void oneInstancePerEventLoopContextSharedByItsDuplicates() throws Exception {
        Deadlines root = deadlines();
        Deadlines fromDuplicate = onLoop(() -> {
            CompletableFuture<Deadlines> seen = new CompletableFuture<>();
            loop.duplicate().dispatch(() -> seen.complete(Deadlines.current(vertx)));
            return seen.join();
        });
        assertThat(fromDuplicate).isSameAs(root);
        Deadlines otherLoop = onOther(() -> Deadlines.current(vertx));
        assertThat(otherLoop).isNotSameAs(root);
    }

    static <T> T onOther(Supplier<T> work) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext().runOnContext(v -> result.complete(work.get()));
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void firesWithinATickOfItsDelayNeverBeforeOnTheSchedulingContext() throws Exception {
        for (long delay : new long[] {100, 200, 1000}) {
            CompletableFuture<Long> firedAfter = new CompletableFuture<>();
            AtomicReference<Context> firedOn = new AtomicReference<>();
            ContextInternal request = loop.duplicate(); // as for an HTTP request
            long[] start = new long[1];
            onLoop(() -> {
                request.dispatch(() -> {
                    start[0] = System.nanoTime();
                    Deadlines.current(vertx).schedule(delay, () -> {
                        firedOn.set(Vertx.currentContext());
                        firedAfter.complete((System.nanoTime() - start[0]) / 1_000_000);
                    });
                });
                return null;
            });
            long millis = firedAfter.get(5, TimeUnit.SECONDS);
            assertThat(millis).as("%d ms deadline", delay)
                    .isGreaterThanOrEqualTo(delay)
                    .isLessThanOrEqualTo(delay + Deadlines.TICK_MILLIS + SLACK_MILLIS);
            assertThat(firedOn.get()).as("the context that scheduled it").isSameAs(request);
        }
    }

    @Test
    void aCancelledDeadlineNeverFiresAndTheTimerGoesQuietWhenNothingIsPending() throws Exception {
        Deadlines deadlines = deadlines();
        AtomicInteger fired = new AtomicInteger();
        CountDownLatch kept = new CountDownLatch(1);
        onLoop(() -> {
            Deadlines.Deadline cancelled = deadlines.schedule(30, fired::incrementAndGet);
            deadlines.schedule(60, kept::countDown);
            cancelled.cancel();
            cancelled.cancel(); // twice is harmless
            assertThat(cancelled.pending()).isFalse();
            return null;
        });
        assertThat(kept.await(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(50);
        assertThat(fired).hasValue(0);
        assertThat(onLoop(deadlines::pending)).isZero();
        assertThat(onLoop(deadlines::armed)).as("an idle gateway does not keep waking up").isFalse();
    }

    /**
     * 5,000 streams, each with an idle deadline that a chunk pushes back now and then, and a
     * total one; a third of the calls end early (cancelled). Every deadline left fires once,
     * never early and not long after; nothing cancelled fires; nothing is left behind.
     */
    @Test
    void thousandsOfConcurrentDeadlines() throws Exception {
        Deadlines deadlines = deadlines();
        int streams = 5_000;
        Random random = new Random(7);
        AtomicInteger fired = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        AtomicLong worstLateness = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        List<Deadlines.Deadline> toCancel = new ArrayList<>();
        int[] expected = new int[1];
        onLoop(() -> {
            for (int i = 0; i < streams; i++) {
                boolean cancel = i % 3 == 0;
                long delay = cancel ? 300 + random.nextInt(200) : 20 + random.nextInt(400); // cancelled well before due
                long due = System.nanoTime() + delay * 1_000_000;
                Deadlines.Deadline d = deadlines.schedule(delay, () -> {
                    long late = System.nanoTime() - due;
                    if (late < 0 || cancel) {
                        wrong.incrementAndGet();
                    }
                    worstLateness.accumulateAndGet(late, Math::max);
                    if (fired.incrementAndGet() == expected[0]) {
                        done.countDown();
                    }
                });
                if (cancel) {
                    toCancel.add(d);
                } else {
                    expected[0]++;
                }
            }
            return null;
        });
        Thread.sleep(10);
        onLoop(() -> {
            toCancel.forEach(Deadlines.Deadline::cancel);
            return null;
        });
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(wrong).hasValue(0);
        assertThat(fired).hasValue(expected[0]);
        assertThat(worstLateness.get() / 1_000_000).isLessThanOrEqualTo(Deadlines.TICK_MILLIS + 4 * SLACK_MILLIS);
        assertThat(onLoop(deadlines::pending)).isZero();
    }

    /** The idle deadline's pattern: an action that schedules the next one, many times over. */
    @Test
    void actionsThatRescheduleThemselvesKeepFiring() throws Exception {
        Deadlines deadlines = deadlines();
        CountDownLatch rounds = new CountDownLatch(20);
        Runnable[] again = new Runnable[1];
        again[0] = () -> {
            rounds.countDown();
            if (rounds.getCount() > 0) {
                deadlines.schedule(7, again[0]);
            }
        };
        onLoop(() -> deadlines.schedule(7, again[0]));
        assertThat(rounds.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anActionMayCancelADeadlineDueInTheSameTickAndOneThatThrowsDoesNotStopTheOthers() throws Exception {
        Deadlines deadlines = deadlines();
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch last = new CountDownLatch(1);
        onLoop(() -> {
            List<Deadlines.Deadline> both = new ArrayList<>();
            // Same delay, same tick: whichever runs first cancels the other.
            both.add(deadlines.schedule(20, () -> {
                ran.incrementAndGet();
                both.forEach(Deadlines.Deadline::cancel);
            }));
            both.add(deadlines.schedule(20, () -> {
                ran.incrementAndGet();
                both.forEach(Deadlines.Deadline::cancel);
            }));
            deadlines.schedule(20, () -> {
                throw new IllegalStateException("boom (expected by the test)");
            });
            deadlines.schedule(40, last::countDown);
            return null;
        });
        assertThat(last.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).hasValue(1);
    }

    @Test
    void anEarlierDeadlineScheduledAfterALaterOneIsNotDelayedByIt() throws Exception {
        Deadlines deadlines = deadlines();
        CompletableFuture<Long> firedAfter = new CompletableFuture<>();
        Deadlines.Deadline later = onLoop(() -> {
            Deadlines.Deadline d = deadlines.schedule(5_000, () -> {});
            long start = System.nanoTime();
            deadlines.schedule(50, () -> firedAfter.complete((System.nanoTime() - start) / 1_000_000));
            return d;
        });
        assertThat(firedAfter.get(5, TimeUnit.SECONDS)).isBetween(50L, 50 + Deadlines.TICK_MILLIS + SLACK_MILLIS);
        onLoop(() -> {
            later.cancel();
            return null;
        });
    }

    @Test
    void refusesToBeUsedOffItsEventLoop() throws Exception {
        Deadlines deadlines = deadlines();
        assertThatThrownBy(() -> deadlines.schedule(10, () -> {})).isInstanceOf(IllegalStateException.class);
        Deadlines.Deadline d = onLoop(() -> deadlines.schedule(10_000, () -> {}));
        assertThatThrownBy(d::cancel).isInstanceOf(IllegalStateException.class);
        onLoop(() -> {
            d.cancel();
            return null;
        });
    }
}
