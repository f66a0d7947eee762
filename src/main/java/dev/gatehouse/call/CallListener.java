package dev.gatehouse.call;

import dev.gatehouse.call.Call;

/**
 * Told once about every finished call, on the event loop. Implementations must only hand the
 * call off (queue, counter): anything slow happens elsewhere.
 */
@FunctionalInterface
public interface CallListener {
    /** @param failure why the call failed, or null when it succeeded */
    void completed(Call call, Throwable failure);
}
