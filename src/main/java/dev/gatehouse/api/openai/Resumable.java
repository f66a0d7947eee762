package dev.gatehouse.api.openai;

/** A stream relay that can tell what already reached the caller, so the answer can be continued elsewhere. */
interface Resumable {
    Delivered delivered();

    /** False once the relay stopped keeping what it delivered (a bounded memory per stream). */
    default boolean resumable() {
        return true;
    }
}
