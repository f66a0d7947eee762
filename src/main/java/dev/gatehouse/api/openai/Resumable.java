package dev.gatehouse.api.openai;

/** A stream relay that can tell what already reached the caller, so the answer can be continued elsewhere. */
interface Resumable {
    Delivered delivered();
}
