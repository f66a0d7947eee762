package dev.gatehouse.usage;

import dev.gatehouse.gateway.Call;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Several listeners as one: each is told in order; one that throws does not keep the others from hearing. */
public final class CallListeners {
    private static final Logger LOG = LoggerFactory.getLogger(CallListeners.class);

    private CallListeners() {}

    public static CallListener of(CallListener... listeners) {
        List<CallListener> all = List.of(listeners);
        return (call, failure) -> {
            for (CallListener listener : all) {
                try {
                    listener.completed(call, failure);
                } catch (RuntimeException e) {
                    LOG.error("call listener {} failed for {}", listener, call.requestId(), e);
                }
            }
        };
    }
}
