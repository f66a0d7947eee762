package dev.gatehouse.routing;

/** A target's circuit breaker opened or closed on this node (announced to the other nodes). */
public interface BreakerEvents {
    BreakerEvents NONE = new BreakerEvents() {
        @Override
        public void opened(String targetKey) {}

        @Override
        public void closed(String targetKey) {}
    };

    void opened(String targetKey);

    void closed(String targetKey);
}
