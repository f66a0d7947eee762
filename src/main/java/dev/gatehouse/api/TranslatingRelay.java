package dev.gatehouse.api;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.OutputFilter;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.StreamEncoder;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * The one translating relay, for every caller format: decodes the upstream's stream into canonical
 * events and writes them with the caller's {@link StreamEncoder}. It remembers what was delivered,
 * so a broken stream can be continued elsewhere ({@link ContinuationRelay}) whatever the caller's
 * format. Subclasses decide what each event becomes ({@link #accept}).
 */
public class TranslatingRelay implements CallerFormat.StreamRelay, Resumable {
    private final StreamDecoder decoder;
    private final StreamEncoder encoder;
    private final StringBuilder text = new StringBuilder();
    /** Text and tool-call arguments in the order delivered, for a token estimate. */
    private final StringBuilder answerText = new StringBuilder();
    private boolean toolCalls;
    private boolean answering;
    private Buffer pending;
    /** Output guardrails and restoring of masked values, or null (then every event goes straight to the encoder). */
    private OutputFilter filter;
    private final Consumer<StreamEvent> encode;
    /** Where bytes a deferring filter releases outside relay() and end() go (see StreamRelay#later). */
    private Consumer<Buffer> later;
    /** Whether end() was called: bytes released later then carry the stream's terminator. */
    private boolean ended;
    private boolean doneSent;
    /** One consumer for every chunk (a method reference per chunk would be an allocation: the decoder keeps it). */
    private final Consumer<StreamEvent> onEvent = this::accept;

    public TranslatingRelay(StreamDecoder decoder, StreamEncoder encoder) {
        this.decoder = decoder;
        this.encoder = encoder;
        this.encode = event -> {
            Buffer bytes = encoder.encode(event);
            if (pending != null) {
                pending.appendBuffer(bytes);
            } else {
                deliverLater(bytes); // a deferring filter released it after its check's verdict
            }
        };
    }

    /** Handles one decoded event, usually by {@link #emit emitting} it. */
    protected void accept(StreamEvent event) {
        answering |= !(event instanceof StreamEvent.Start);
        switch (event) {
            case StreamEvent.TextDelta t -> {
                text.append(t.text());
                answerText.append(t.text());
            }
            case StreamEvent.ToolCallDelta d -> {
                toolCalls = true;
                answerText.append(d.argumentsFragment() == null ? "" : d.argumentsFragment());
            }
            default -> { }
        }
        emit(event);
    }

    /**
     * Sends the answer through {@code filter} before the encoder (output guardrails). It may hold
     * text back and throws a GatewayException to block, which the executor ends the stream with.
     */
    public TranslatingRelay filter(OutputFilter filter) {
        this.filter = filter;
        return this;
    }

    @Override
    public final boolean defers() {
        return filter != null && filter.defers();
    }

    @Override
    public final void later(Consumer<Buffer> bytes, Consumer<RuntimeException> failed) {
        this.later = bytes;
        filter.onBlock(failed::accept);
    }

    @Override
    public final io.vertx.core.Future<Void> settled() {
        return filter == null ? io.vertx.core.Future.succeededFuture() : filter.settled();
    }

    @Override
    public boolean resumable() {
        // Text held for a remote check would be released into a stream that another relay now writes.
        return filter == null || !filter.holding();
    }

    private void deliverLater(Buffer bytes) {
        if (ended && encoder.finished() && !doneSent) {
            doneSent = true;
            bytes.appendBuffer(encoder.done());
        }
        if (later != null && bytes.length() > 0) {
            later.accept(bytes);
        }
    }

    /** Writes an event to the caller's stream (through the output filter, when there is one). */
    protected final void emit(StreamEvent event) {
        if (filter == null) {
            pending.appendBuffer(encoder.encode(event));
        } else {
            filter.event(event, encode);
        }
    }

    @Override
    public final Buffer relay(Buffer upstreamChunk) {
        Buffer out = pending = Buffer.buffer();
        try {
            decoder.feed(upstreamChunk, onEvent);
        } finally {
            pending = null;
        }
        return out;
    }

    @Override
    public final Buffer end() {
        Buffer out = pending = Buffer.buffer();
        ended = true;
        try {
            decoder.end(onEvent);
        } finally {
            pending = null;
        }
        if (encoder.finished() && !doneSent) {
            doneSent = true;
            out.appendBuffer(encoder.done());
        }
        return out;
    }

    @Override
    public boolean answering() {
        return answering;
    }

    @Override
    public final boolean complete() {
        return encoder.finished();
    }

    @Override
    public final Buffer error(GatewayException error) {
        return encoder.error(error);
    }

    @Override
    public final Usage usage() {
        return encoder.usage();
    }

    @Override
    public Delivered delivered() {
        return new Delivered(text.toString(), toolCalls);
    }

    /** The answer's text and tool-call arguments as delivered, for a token estimate. */
    public String answerText() {
        return answerText.toString();
    }

    @Override
    public final StreamEncoder resume() {
        return encoder.resuming();
    }
}
