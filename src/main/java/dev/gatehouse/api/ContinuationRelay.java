package dev.gatehouse.api;

import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.StreamEncoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;

/**
 * Carries a broken stream on with another target's answer, inside the caller's existing stream
 * (same message id, no second opening), in whatever format the caller reads: the encoder given is
 * the broken stream's own, {@link StreamEncoder#resuming resumed}.
 *
 * <ul>
 *   <li>Prefill: the target was given the delivered text as the start of its answer and continues
 *       it; its text is passed on (leading white space the prefill had to drop is not repeated).
 *   <li>Restart: the target answers from scratch; its text is checked against what was delivered
 *       and only the rest is passed on. An answer that diverges from the delivered part cannot be
 *       spliced honestly, so it fails the attempt.
 * </ul>
 */
public final class ContinuationRelay extends TranslatingRelay {
    private final Delivered base;
    private final boolean prefill;
    private final StringBuilder emitted = new StringBuilder();
    /** Restart mode: how much of the delivered text the new answer has matched so far. */
    private int matched;
    /** Prefill mode: white space at the end of the delivered text that the prefill could not carry. */
    private boolean dropLeadingSpace;
    private boolean toolCalls;

    public ContinuationRelay(StreamDecoder decoder, StreamEncoder encoder, Delivered base, boolean prefill) {
        super(decoder, encoder);
        this.base = base;
        this.prefill = prefill;
        this.dropLeadingSpace = prefill && !base.text().equals(base.text().stripTrailing());
    }

    /** The caller's stream is already answering: nothing is held back. */
    @Override
    public boolean answering() {
        return true;
    }

    @Override
    protected void accept(StreamEvent event) {
        switch (event) {
            case StreamEvent.Start s -> { } // the caller's stream already started
            case StreamEvent.TextDelta t -> text(t.text());
            case StreamEvent.ToolCallDelta d -> {
                if (!prefill && matched < base.text().length()) {
                    throw diverged();
                }
                toolCalls = true;
                emit(event);
            }
            case StreamEvent.Finish f -> {
                if (!prefill && matched < base.text().length()) {
                    throw diverged(); // the new answer is shorter than what the caller already has
                }
                emit(event);
            }
            default -> emit(event);
        }
    }

    private void text(String text) {
        if (prefill) {
            if (dropLeadingSpace) {
                text = text.stripLeading();
                dropLeadingSpace = text.isEmpty();
            }
            if (!text.isEmpty()) {
                emitted.append(text);
                emit(new StreamEvent.TextDelta(text));
            }
            return;
        }
        String delivered = base.text();
        int remaining = delivered.length() - matched;
        if (remaining > 0) {
            int overlap = Math.min(remaining, text.length());
            if (!delivered.regionMatches(matched, text, 0, overlap)) {
                throw diverged();
            }
            matched += overlap;
            text = text.substring(overlap);
        }
        if (!text.isEmpty()) {
            emitted.append(text);
            emit(new StreamEvent.TextDelta(text));
        }
    }

    private static UpstreamException diverged() {
        return new UpstreamException(UpstreamError.of(ErrorClass.UPSTREAM_ERROR,
                "the fallback's answer does not continue the part already delivered, so it cannot be spliced in"));
    }

    @Override
    public Delivered delivered() {
        return new Delivered(base.text() + emitted, base.toolCalls() || toolCalls);
    }

    @Override
    public String answerText() {
        return delivered().text();
    }
}
