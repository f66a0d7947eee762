package dev.gatehouse.store;

/** A background write refused because another node became the leader since this one did (see {@link Fence}). */
public final class FencedOutException extends RuntimeException {
    public FencedOutException(long token, long current) {
        super("another node leads the background work now (fencing token " + current + ", this node's " + token
                + "): write refused");
    }
}
