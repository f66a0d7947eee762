package dev.gatehouse.api.anthropic;


import dev.gatehouse.dialect.anthropic.AnthropicErrors;
import dev.gatehouse.dialect.anthropic.AnthropicRequestDecoder;
import dev.gatehouse.dialect.anthropic.AnthropicResponseEncoder;
import dev.gatehouse.dialect.anthropic.AnthropicStreamEncoder;
import dev.gatehouse.dialect.anthropic.AnthropicUsage;
import dev.gatehouse.pricing.TokenCounter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.call.Call;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireFormat;
import dev.gatehouse.routing.Target;
import io.vertx.core.MultiMap;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/** A {@code POST /v1/messages} request and how to answer it in Anthropic's format. */
final class AnthropicMessagesCaller implements CallerFormat {
    private final AnthropicMessagesScan scan;
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
    public Future<UpstreamRequest> upstreamRequest(Target target) {
        try {
            return request(target);
        } catch (GatewayException e) {
            return Future.failedFuture(e);
        }
    }

    private Future<UpstreamRequest> request(Target target) {
        Provider provider = target.provider();
        String model = target.upstreamModel();
        if (CallerFormat.sameFormat(WireFormat.ANTHROPIC, provider)) {
            return Future.succeededFuture(provider.chat(scan.withModel(model), model, scan.stream()));
        }
        ChatRequest request = canonical();
        if (provider.codec().format() != WireFormat.ANTHROPIC && !request.extra().isEmpty()) {
            String field = request.extra().keySet().iterator().next();
            throw new GatewayException(dev.gatehouse.call.ErrorType.INVALID_REQUEST, "'" + field
                    + "' is an Anthropic-only parameter and is not supported by model '" + publicModel + "' (served by provider '"
                    + provider.name() + "' in " + provider.codec().format().name().toLowerCase() + " format).",
                    field, "unsupported_feature");
        }
        return CallerFormat.translatedChat(provider, request, model, scan.stream());
    }

    @Override
    public ChatRequest chatRequest() {
        return canonical();
    }

    private ChatRequest canonical() {
        if (canonical == null) {
            canonical = AnthropicRequestDecoder.decode(scan.body(), true);
        }
        return canonical;
    }

    @Override
    public Buffer answer(Target target, Buffer upstreamBody, Call call) {
        if (CallerFormat.sameFormat(WireFormat.ANTHROPIC, target.provider())) {
            call.usage(AnthropicUsage.read(upstreamBody));
            return upstreamBody;
        }
        ChatResponse response = target.provider().codec().decodeChat(upstreamBody);
        call.usage(response.usage());
        lastAnswer = response;
        return AnthropicResponseEncoder.encode(response, publicModel);
    }

    @Override
    public StreamRelay relay(Target target) {
        if (CallerFormat.sameFormat(WireFormat.ANTHROPIC, target.provider())) {
            return new PassthroughRelay(target.provider());
        }
        TranslatingRelay relay = new TranslatingRelay(target.provider().codec().streamDecoder(), new AnthropicStreamEncoder(publicModel));
        lastAnswer = relay;
        return relay;
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
            text = relay.text.toString();
        } else if (answer instanceof ChatResponse response) {
            StringBuilder b = new StringBuilder();
            for (dev.gatehouse.canonical.ContentPart part : response.content()) {
                if (part instanceof dev.gatehouse.canonical.ContentPart.Text t) {
                    b.append(t.text());
                } else if (part instanceof dev.gatehouse.canonical.ContentPart.Reasoning r) {
                    b.append(r.text());
                }
            }
            response.toolCalls().forEach(tc -> b.append(tc.name()).append(tc.arguments()));
            text = b.toString();
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

    /** Another format upstream: decode its events, encode them as Anthropic's event sequence. */
    private static final class TranslatingRelay implements StreamRelay {
        private final StreamDecoder decoder;
        private final AnthropicStreamEncoder encoder;
        /** The answer's text and tool-call arguments as delivered, for a token estimate. */
        final StringBuilder text = new StringBuilder();
        private Buffer pending;

        TranslatingRelay(StreamDecoder decoder, AnthropicStreamEncoder encoder) {
            this.decoder = decoder;
            this.encoder = encoder;
        }

        @Override
        public Buffer relay(Buffer upstreamChunk) {
            pending = Buffer.buffer();
            decoder.feed(upstreamChunk, this::accept);
            return pending;
        }

        private boolean answering;

        @Override
        public boolean answering() {
            return answering;
        }

        private void accept(StreamEvent event) {
            answering |= !(event instanceof StreamEvent.Start);
            switch (event) {
                case StreamEvent.TextDelta t -> text.append(t.text());
                case StreamEvent.ToolCallDelta d -> text.append(d.argumentsFragment() == null ? "" : d.argumentsFragment());
                default -> { }
            }
            pending.appendBuffer(encoder.encode(event));
        }

        @Override
        public Buffer end() {
            pending = Buffer.buffer();
            decoder.end(this::accept);
            return encoder.finished() ? pending.appendBuffer(encoder.done()) : pending;
        }

        @Override
        public boolean complete() {
            return encoder.finished();
        }

        @Override
        public Buffer error(GatewayException error) {
            return encoder.error(error);
        }

        @Override
        public Usage usage() {
            return encoder.usage();
        }
    }
}
