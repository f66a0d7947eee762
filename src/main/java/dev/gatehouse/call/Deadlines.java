package dev.gatehouse.call;

import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

/**
 * The deadlines of one event loop's calls (first byte, total, idle gap, request deadline), kept
 * in a {@link TimingWheel} and served by a single Vert.x timer.
 *
 * <p>Why not a Vert.x timer per deadline: each one is a map entry plus a Netty scheduled task
 * (a priority-queue insert, and a remove on cancel), and a healthy call sets and cancels three or
 * four of them for deadlines that never fire; in the profile under load that was ~6% of the event
 * loop. Here scheduling is an O(1) link and cancelling an O(1) unlink; only the wheel's own
 * timer touches Vert.x, and it is armed only while deadlines are pending, so an idle gateway does
 * not wake up.
 *
 * <p>Precision: a deadline fires within one tick ({@value #TICK_MILLIS} ms) after it is due, never
 * before. Its action runs on the event loop, on the context that scheduled it (as a Vert.x timer's
 * handler would), with exceptions reported to that context. Single-threaded: schedule and cancel
 * only on the owning event loop.
 */
public final class Deadlines {
    static final long TICK_MILLIS = 5;
    /** One turn is 1024 x 5 ms = 5.12 s; longer deadlines wait in their slot for the turns in between. */
    static final int SLOTS = 1024;
    private static final Object KEY = new Object();

    private final ContextInternal context;
    private final TimingWheel wheel;
    private long timerId = -1;
    /** The tick the Vert.x timer is armed for; MAX_VALUE when none is. */
    private long armedTick = Long.MAX_VALUE;
    /** Expiring deadlines: actions that schedule new ones must not re-arm the timer, onTimer does it after. */
    private boolean expiring;

    private Deadlines(ContextInternal context) {
        this.context = context;
        this.wheel = new TimingWheel(TICK_MILLIS * 1_000_000, SLOTS, System.nanoTime());
    }

    /**
     * The deadlines of the calling thread's event-loop context (created on first use, kept in the
     * context's data, so they go when the context does). Call on the event loop.
     */
    public static Deadlines current(Vertx vertx) {
        ContextInternal root = ((ContextInternal) vertx.getOrCreateContext()).unwrap();
        if (!root.isEventLoopContext()) {
            throw new IllegalStateException("deadlines are kept per event loop; called on a " + root.threadingModel() + " context");
        }
        Deadlines deadlines = (Deadlines) root.contextData().get(KEY);
        if (deadlines == null) {
            deadlines = new Deadlines(root);
            root.contextData().put(KEY, deadlines);
        }
        return deadlines;
    }

    /** Runs {@code action} once {@code delayMillis} have passed, unless the returned deadline is cancelled first. */
    public Deadline schedule(long delayMillis, Runnable action) {
        checkThread();
        ContextInternal caller = ContextInternal.current();
        Deadline deadline = new Deadline(this, caller == null ? context : caller, action);
        long tick = wheel.add(deadline, System.nanoTime() + delayMillis * 1_000_000);
        if (!expiring && tick < armedTick) {
            arm(tick);
        }
        return deadline;
    }

    /** Deadlines scheduled and neither fired nor cancelled. */
    int pending() {
        return wheel.size();
    }

    /** Whether the Vert.x timer is armed (tests: an idle wheel leaves no timer behind once it fired). */
    boolean armed() {
        return timerId >= 0;
    }

    private void cancel(Deadline deadline) {
        checkThread();
        // The Vert.x timer stays armed even when nothing is left: cancelling it would cost what this
        // class saves, and firing once for nothing it does not re-arm.
        wheel.remove(deadline);
    }

    private void arm(long tick) {
        if (timerId >= 0) {
            context.owner().cancelTimer(timerId);
        }
        armedTick = tick;
        long delayNanos = wheel.nanosOf(tick) - System.nanoTime();
        timerId = context.setTimer(Math.max(1, Math.ceilDiv(delayNanos, 1_000_000)), this::onTimer);
    }

    private void onTimer(long id) {
        if (id != timerId) {
            return; // a timer replaced by an earlier one, firing anyway
        }
        timerId = -1;
        armedTick = Long.MAX_VALUE;
        expiring = true;
        try {
            wheel.advance(System.nanoTime());
            for (TimingWheel.Entry entry = wheel.poll(); entry != null; entry = wheel.poll()) {
                ((Deadline) entry).fire(); // an action may cancel deadlines polled with it: they leave the list
            }
        } finally {
            expiring = false;
        }
        long next = wheel.nextTick();
        if (next >= 0) {
            arm(next);
        }
    }

    private void checkThread() {
        if (!context.nettyEventLoop().inEventLoop()) {
            // The wheel is shared by all calls of this event loop: a foreign thread would corrupt it.
            throw new IllegalStateException("deadlines used off their event loop, on " + Thread.currentThread().getName());
        }
    }

    /** One scheduled action; {@link #cancel} before it fires and it never will. */
    public static final class Deadline extends TimingWheel.Entry {
        private final Deadlines owner;
        private final ContextInternal context;
        private Runnable action;

        private Deadline(Deadlines owner, ContextInternal context, Runnable action) {
            this.owner = owner;
            this.context = context;
            this.action = action;
        }

        /** Cancels the action if it has not run; does nothing after it ran or was cancelled. */
        public void cancel() {
            if (action != null) {
                owner.cancel(this);
                action = null; // let go of what the action holds: the caller may keep this object for a while
            }
        }

        /** Neither fired nor cancelled. */
        boolean pending() {
            return linked();
        }

        private void fire() {
            Runnable run = action;
            action = null;
            if (run != null) {
                context.dispatch(run); // catches and reports what the action throws
            }
        }
    }
}
