package dev.gatehouse.gateway;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallContent;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireFormat;
import dev.gatehouse.routing.Target;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/**
 * The caller's side of one request (chat or embeddings) in the caller's API format (OpenAI
 * or Anthropic). The executor stays format-neutral: it asks this object what to send upstream
 * for a target and how to turn what came back into the caller's bytes.
 */
public interface CallerFormat {
    /** Whether the caller asked for a stream. */
    boolean stream();

    /**
     * How this request goes to one target, decided once per attempt: the caller's own bytes with
     * only the model replaced when caller and provider share a format (the fast path), else a
     * translation through the canonical model. The executor asks the leg, never the format again.
     */
    Leg leg(Target target);

    /** One target's leg of the request: what to send and how to turn the answer into the caller's bytes. */
    interface Leg {
        /**
         * The upstream request. Asynchronous because a translation may need I/O first (the
         * provider may {@link Provider#prepare prepare} the request, e.g. fetch images). Fails
         * with a {@link GatewayException} when the request cannot be expressed for this provider.
         */
        Future<UpstreamRequest> upstreamRequest();

        /** A whole successful upstream body in the caller's format; records its usage on the call. */
        Buffer answer(Buffer upstreamBody, Call call);

        /** A relay for a streamed answer. */
        StreamRelay relay();

        /**
         * Whether a whole answer waits for I/O before it may be sent (a remote output guardrail):
         * the executor then asks {@link #answerLater} instead of {@link #answer}. False for every
         * leg without such a check, which therefore pays nothing for it.
         */
        default boolean answersLater() {
            return false;
        }

        /** Like {@link #answer}, once the answer's checks passed; fails as {@link #answer} throws. */
        default Future<Buffer> answerLater(Buffer upstreamBody, Call call) {
            try {
                return Future.succeededFuture(answer(upstreamBody, call));
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        }
    }

    /**
     * The translating path for chat, shared by caller formats: prepare, encode, address. A
     * GatewayException thrown while encoding (a feature the provider lacks) fails the future.
     */
    static Future<UpstreamRequest> translatedChat(Provider provider, ChatRequest canonical, String upstreamModel, boolean stream) {
        return provider.prepare(canonical.forUpstream(upstreamModel))
                .map(prepared -> provider.chat(provider.codec().encodeChat(prepared), upstreamModel, stream));
    }

    /**
     * The request decoded to the canonical model, for router models that route on its content;
     * null when this caller format has none (embeddings). Throws a 400 when the body does not decode.
     */
    default ChatRequest chatRequest() {
        return null;
    }

    /**
     * The caller's request body as received, for the answer cache's key; null when this caller
     * format's answers are not cached. Asked only when the cache is on.
     */
    default Buffer requestBody() {
        return null;
    }

    /**
     * The request's content for the stages that read or rewrite it (guardrails), or null when this
     * format offers none (a stage that needs it then refuses the call rather than skip its check).
     */
    default CallContent content() {
        return null;
    }

    /**
     * Work that must be done after the answer is whole but before its last bytes reach the caller
     * (the body of an answer, or a stream's closing events): a Responses caller stores the response
     * here, so a follow-up sent the moment the answer arrives finds it. Runs off the event loop when
     * it does I/O and completes on the call's context; a failure does not fail the answered call.
     * Complete by default, so other formats pay nothing.
     */
    default Future<Void> beforeEnd(Call call) {
        return Future.succeededFuture();
    }

    /**
     * What a media request is billed by (images, audio seconds, characters), as the request
     * states it: the budget reserves its cost before routing. Null for token-billed formats.
     */
    default dev.gatehouse.call.MediaUnits media() {
        return null;
    }

    /**
     * The Content-Type of a successful answer given the upstream's response headers, or null for
     * the usual ones (JSON for a whole answer, an event stream for a stream). Media formats pass
     * the upstream's on (audio, plain-text transcripts, subtitles).
     */
    default String answerContentType(io.vertx.core.MultiMap upstreamHeaders) {
        return null;
    }

    /** The error in the caller's format, as a complete response body. */
    Buffer errorBody(GatewayException error);

    /**
     * Whether a stream that broke after bytes reached the caller can be continued on another
     * target: the caller format supports it and what was delivered is plain text (a half-sent
     * tool call cannot be resumed faithfully).
     */
    default boolean canContinue(StreamRelay broken) {
        return false;
    }

    /**
     * The request that continues a broken stream on {@code next}: with {@code prefill}, the
     * delivered text is sent as the start of the assistant's answer for the model to continue;
     * without, the original request is sent again and the relay skips what was delivered.
     */
    default Future<UpstreamRequest> continuationRequest(Target next, StreamRelay broken, boolean prefill) {
        return Future.failedFuture(new IllegalStateException("continuation not supported"));
    }

    /** The relay that carries the continuation on in the caller's existing stream. */
    default StreamRelay continuation(StreamRelay broken, Target next, boolean prefill) {
        throw new IllegalStateException("continuation not supported");
    }

    /** Whether bytes may pass between this caller format and the provider untranslated (asked once per {@link #leg}). */
    static boolean sameFormat(WireFormat callerFormat, Provider provider) {
        return provider.passthrough() && provider.codec().format() == callerFormat;
    }

    /**
     * Turns upstream stream chunks into caller stream bytes, chunk by chunk, and remembers what
     * accounting needs.
     */
    interface StreamRelay {
        /** Bytes to send for this upstream chunk (may be empty). Throws UpstreamException on an in-band upstream error. */
        Buffer relay(Buffer upstreamChunk);

        /**
         * The upstream body ended: the closing bytes to send. A stream that finished but lost its
         * terminator gets one here.
         */
        Buffer end();

        /** Whether the answer reached a finish reason. */
        boolean complete();

        /** An in-band error event that ends the stream with a failure. */
        Buffer error(GatewayException error);

        /** Usage seen so far (null if the upstream reported none). */
        Usage usage();

        /**
         * Whether the answer itself has begun: anything beyond the stream's opening (an OpenAI
         * role chunk, say). Until then the relayed bytes are held back and the first-byte
         * deadline keeps running, so a provider that opens its stream at once but is slow to
         * produce its first token still fails over invisibly.
         */
        default boolean answering() {
            return true;
        }

        /**
         * Whether this relay may produce bytes outside {@link #relay} and {@link #end}: an output
         * check that waits for I/O releases held text when its verdict comes. Only then does the
         * executor register {@link #later} and wait for {@link #settled} before ending the stream.
         */
        default boolean defers() {
            return false;
        }

        /**
         * Where bytes produced later go (in order, after everything returned so far), and a later
         * failure: a {@link GatewayException} is an output guardrail's block.
         */
        default void later(java.util.function.Consumer<Buffer> bytes, java.util.function.Consumer<RuntimeException> failed) {}

        /**
         * Completes once the relay waits for nothing more (after {@link #end}: its last bytes went to
         * {@link #later}); fails with a block. Complete at once for a relay that does not defer.
         */
        default Future<Void> settled() {
            return Future.succeededFuture();
        }
    }
}
