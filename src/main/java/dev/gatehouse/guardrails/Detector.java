package dev.gatehouse.guardrails;

import java.util.List;

/**
 * A built-in check that reads a text from memory and reports what it finds. Pure CPU, no I/O:
 * safe on the event loop for prompts of ordinary size and usable chunk by chunk on a stream.
 */
interface Detector {
    /** Adds what {@code text} holds to {@code out}. */
    void find(String text, List<Finding> out);
}
