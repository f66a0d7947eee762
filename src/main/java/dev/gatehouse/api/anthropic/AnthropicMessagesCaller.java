package dev.gatehouse.api.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.api.Continuation;
import dev.gatehouse.api.TranslatedLeg;
import dev.gatehouse.api.TranslatingRelay;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallContent;
import dev.gatehouse.call.OutputFilter;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.anthropic.AnthropicErrors;
import dev.gatehouse.dialect.anthropic.AnthropicRequestDecoder;
import dev.gatehouse.dialect.anthropic.AnthropicResponseEncoder;
import dev.gatehouse.dialect.anthropic.AnthropicStreamEncoder;
import dev.gatehouse.dialect.anthropic.AnthropicUsage;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.pricing.TokenCounter;
import dev.gatehouse.pricing.TokenEstimate;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireFormat;
import dev.gatehouse.routing.Target;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

/** A {@code POST /v1/messages} request and how to answer it in Anthropic's format. */
final class AnthropicMessagesCaller implements CallerFormat, CallContent {
    /** The request as sent upstream: replaced when a guardrail masks it. */
    private AnthropicMessagesScan scan;
    /** Output guardrails and restoring masked values, or null: then same-format answers pass through unread. */
    private OutputFilter outputFilter;
    private final String publicModel;
    private ChatRequest canonical;
    /** What produced a translated answer, for a token estimate when the provider reports no usage. */
    private volatile Object lastAnswer;

    AnthropicMessagesCaller(AnthropicMessagesScan scan) {
        this.scan = scan;
        this.publicModel = scan.model();
    }

    @Override
    public boolean stream() {
        return scan.stream();
    }

    @Override
    public Leg leg(Target target) {
        // An output filter reads canonical events, so a filtered answer is always translated.
        return outputFilter == null && CallerFormat.sameFormat(WireFormat.ANTHROPIC, target.provider())
                ? new Passthrough(target) : new Translated(target);
    }

    @Override
    public CallContent content() {
        return this;
    }

    @Override
    public Buffer body() {
        return scan.body();
    }

    @Override
    public void replaceBody(Buffer rewritten) {
        scan = AnthropicMessagesScan.scan(rewritten, true);
        canonical = null;
        promptTokens = -1;
    }

    @Override
    public void filterOutput(OutputFilter filter) {
        this.outputFilter = filter;
    }

    /** Anthropic upstream: the caller's bytes with the model replaced; the answer's bytes as they came. */
    private final class Passthrough implements Leg {
        private final Target target;

        Passthrough(Target target) {
            this.target = target;
        }

        @Override
        public Future<UpstreamRequest> upstreamRequest() {
            String model = target.upstreamModel();
            try {
                return Future.succeededFuture(target.provider().chat(scan.withModel(model), model, scan.stream()));
            } catch (GatewayException e) {
                return Future.failedFuture(e);
            }
        }

        @Override
        public Buffer answer(Buffer upstreamBody, Call call) {
            call.usage(AnthropicUsage.read(upstreamBody));
            return upstreamBody;
        }

        @Override
        public StreamRelay relay() {
            return new PassthroughRelay(target.provider());
        }
    }

    /** Another format upstream: through the canonical model both ways. */
    private final class Translated extends TranslatedLeg {
        private final Target target;

        Translated(Target target) {
            this.target = target;
        }

        @Override
        public Future<UpstreamRequest> upstreamRequest() {
            try {
                ChatRequest request = translatable(target.provider());
                startCounting(request);
                return CallerFormat.translatedChat(target.provider(), request, target.upstreamModel(), scan.stream());
            } catch (GatewayException e) {
                return Future.failedFuture(e);
            }
        }

        @Override
        protected OutputFilter filter() {
            return outputFilter;
        }

        @Override
        protected ChatResponse decoded(Buffer upstreamBody, Call call) {
            ChatResponse response = target.provider().codec().decodeChat(upstreamBody, canonical());
            call.usage(response.usage());
            return response;
        }

        @Override
        protected Buffer encoded(ChatResponse response) {
            lastAnswer = response;
            // The model the upstream reports answering with, as on every path (docs/api.md).
            return AnthropicResponseEncoder.encode(response, response.model() != null ? response.model() : target.upstreamModel());
        }

        @Override
        public StreamRelay relay() {
            TranslatingRelay relay = new TranslatingRelay(target.provider().codec().streamDecoder(canonical()), new AnthropicStreamEncoder(target.upstreamModel(), promptTokens()))
                    .filter(outputFilter);
            lastAnswer = relay;
            return relay;
        }
    }

    /**
     * The prompt's input tokens for a translated stream's message_start, fixed when the first
     * translated stream opens and kept for later attempts. Tokenizing a 32 KiB prompt takes
     * milliseconds, too long for the event loop, so the count runs on a worker while the request
     * goes upstream ({@link #startCounting}) and is nearly always done by the time the stream opens
     * (if not, it is counted then, as before); a request over {@link #COUNTED_BYTES} gets the
     * byte-based estimate (TokenEstimate.typical, about 4 bytes a token). message_delta carries the
     * upstream's exact figure.
     */
    private long promptTokens() {
        if (promptTokens < 0) {
            Future<Long> count = counting;
            int bytes = scan.body().length();
            // Counted here, on the loop, only when the stream opened before the worker finished (rare).
            promptTokens = count != null && count.succeeded() ? count.result()
                    : bytes <= COUNTED_BYTES ? TokenCounter.count(canonical()) : TokenEstimate.typical(bytes);
        }
        return promptTokens;
    }

    /** Starts counting a streamed request's prompt off the event loop, once, for {@link #promptTokens}. */
    private void startCounting(ChatRequest request) {
        Context context = Vertx.currentContext();
        if (counting == null && promptTokens < 0 && scan.stream() && scan.body().length() <= COUNTED_BYTES && context != null) {
            counting = context.executeBlocking(() -> (long) TokenCounter.count(request), false);
        }
    }

    /** {@link #promptTokens()} once known, else -1. */
    private long promptTokens = -1;
    /** The prompt's count, running or done, once a translated stream's request was made. */
    private Future<Long> counting;

    /** Request bodies up to this size are tokenized for message_start; larger ones are estimated from their size. */
    static final int COUNTED_BYTES = 32 * 1024;

    /** The canonical request, refused for a provider of another format when it carries Anthropic-only parameters. */
    private ChatRequest translatable(Provider provider) {
        ChatRequest request = canonical();
        if (provider.codec().format() != WireFormat.ANTHROPIC && !request.extra().isEmpty()) {
            String field = request.extra().keySet().iterator().next();
            throw new GatewayException(ErrorType.INVALID_REQUEST, "'" + field
                    + "' is an Anthropic-only parameter and is not supported by model '" + publicModel + "' (served by provider '"
                    + provider.name() + "' in " + provider.codec().format().name().toLowerCase() + " format).",
                    field, "unsupported_feature");
        }
        return request;
    }

    @Override
    public boolean canContinue(StreamRelay broken) {
        return Continuation.possible(broken);
    }

    @Override
    public Future<UpstreamRequest> continuationRequest(Target next, StreamRelay broken, boolean prefill) {
        try {
            return Continuation.request(translatable(next.provider()), next, broken, prefill);
        } catch (GatewayException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public StreamRelay continuation(StreamRelay broken, Target next, boolean prefill) {
        StreamRelay relay = Continuation.relay(broken, next, prefill, canonical()).filter(outputFilter);
        lastAnswer = relay;
        return relay;
    }

    @Override
    public ChatRequest chatRequest() {
        return canonical();
    }

    @Override
    public Buffer requestBody() {
        return scan.body();
    }

    private ChatRequest canonical() {
        if (canonical == null) {
            canonical = AnthropicRequestDecoder.decode(scan.body(), true);
        }
        return canonical;
    }

    /**
     * Tokens estimated with jtokkit for a translated upstream that reported no usage (Anthropic
     * upstreams always report it): the decoded prompt and the answer's text as delivered. Runs once,
     * off the event loop, when the call is settled (pricing.Settler); null when there is nothing to count.
     */
    Usage estimateUsage() {
        Object answer = lastAnswer;
        String text;
        if (answer instanceof TranslatingRelay relay) {
            text = relay.answerText();
        } else if (answer instanceof ChatResponse response) {
            text = TokenCounter.answerText(response);
        } else {
            return null;
        }
        return Usage.of(TokenCounter.count(canonical()), TokenCounter.text(text));
    }

    @Override
    public Buffer errorBody(GatewayException error) {
        return AnthropicErrors.body(error);
    }

    /** Anthropic upstream, Anthropic caller: the bytes flow through; a side scanner notes usage and the end. */
    private static final class PassthroughRelay implements StreamRelay {
        private static final Buffer MESSAGE_STOP = Buffer.buffer("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        private final AnthropicPassthroughScanner scanner = new AnthropicPassthroughScanner();
        private final Provider provider;
        /** Decodes the first chunks only, until the answer begins (see {@link #answering()}). */
        private final StreamDecoder opening;
        private boolean answering;

        PassthroughRelay(Provider provider) {
            this.provider = provider;
            this.opening = provider.codec().streamDecoder();
        }

        @Override
        public Buffer relay(Buffer upstreamChunk) {
            scanner.feed(upstreamChunk);
            checkError();
            if (!answering) {
                try {
                    opening.feed(upstreamChunk, event -> answering |= !(event instanceof StreamEvent.Start));
                } catch (RuntimeException malformed) {
                    answering = true; // not ours to judge here: pass it on as before
                }
            }
            return upstreamChunk;
        }

        @Override
        public boolean answering() {
            return answering;
        }

        @Override
        public Buffer end() {
            scanner.end();
            checkError();
            // A stream that finished its answer but lost its message_stop gets one.
            return scanner.stopped() || scanner.stopReason() == null ? Buffer.buffer() : MESSAGE_STOP.copy();
        }

        private void checkError() {
            JsonNode error = scanner.error();
            if (error != null) {
                Buffer body = Buffer.buffer("{\"type\":\"error\",\"error\":" + error + "}");
                throw new UpstreamException(provider.codec().classify(500, MultiMap.caseInsensitiveMultiMap(), body));
            }
        }

        @Override
        public boolean complete() {
            return scanner.stopReason() != null;
        }

        @Override
        public Buffer error(GatewayException error) {
            return AnthropicErrors.sseEvent(error);
        }

        @Override
        public Usage usage() {
            return scanner.usage();
        }
    }
}
