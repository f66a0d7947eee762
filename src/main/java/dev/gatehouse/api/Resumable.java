package dev.gatehouse.api;

import dev.gatehouse.provider.StreamEncoder;

/** A stream relay that can tell what already reached the caller, so the answer can be continued elsewhere. */
public interface Resumable {
    Delivered delivered();

    /** False once the relay stopped keeping what it delivered (a bounded memory per stream). */
    default boolean resumable() {
        return true;
    }

    /** An encoder that carries the caller's stream on (same message, no second opening). */
    StreamEncoder resume();
}
