package dev.gatehouse.call;

import dev.gatehouse.call.Call;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Several listeners as one; a listener that throws does not keep the others from hearing about the call. */
public final class CallListeners {
    private static final Logger LOG = LoggerFactory.getLogger(CallListeners.class);

    private CallListeners() {}

    public static CallListener all(List<CallListener> listeners) {
        CallListener[] array = listeners.toArray(CallListener[]::new);
        if (array.length == 1) {
            return array[0];
        }
        return (call, failure) -> {
            for (CallListener listener : array) {
                try {
                    listener.completed(call, failure);
                } catch (RuntimeException e) {
                    // The exception's class only: its message could quote the request.
                    LOG.warn("call listener {} failed on request {}: {}", listener.getClass().getSimpleName(),
                            call.requestId(), e.getClass().getName());
                }
            }
        };
    }
}
