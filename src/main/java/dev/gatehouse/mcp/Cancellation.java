package dev.gatehouse.mcp;

/**
 * Lets a caller's {@code notifications/cancelled} stop a request in flight on this node: the
 * thread waiting for the upstream server is interrupted and the call ends as cancelled.
 */
public final class Cancellation {
    private Thread worker;
    private boolean cancelled;

    synchronized void running(Thread thread) {
        this.worker = thread;
        if (cancelled) {
            thread.interrupt();
        }
    }

    synchronized void done() {
        this.worker = null;
        Thread.interrupted(); // a late cancel must not leak into the pooled thread's next task
    }

    public synchronized void cancel() {
        cancelled = true;
        if (worker != null) {
            worker.interrupt();
        }
    }

    public synchronized boolean cancelled() {
        return cancelled;
    }
}
