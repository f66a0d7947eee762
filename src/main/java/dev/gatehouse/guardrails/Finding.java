package dev.gatehouse.guardrails;

/**
 * Something a detector found in a text: its kind ({@code EMAIL}, {@code AWS_ACCESS_KEY}) and where.
 * A finding about the text as a whole (a prompt-injection score, an off-topic prompt) has no span
 * ({@code start == end == 0}) and cannot be masked. The value itself is never copied out of the
 * text, so nothing downstream can log it by mistake.
 */
record Finding(String kind, int start, int end) {
    static Finding whole(String kind) {
        return new Finding(kind, 0, 0);
    }

    boolean hasSpan() {
        return end > start;
    }

    boolean overlaps(Finding o) {
        return start < o.end && o.start < end;
    }
}
