package dev.gatehouse.api.openai;

import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.gateway.Call;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.gateway.GatewayException;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireFormat;
import dev.gatehouse.routing.Target;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/** A {@code POST /v1/chat/completions} request and how to answer it in OpenAI's format. */
final class OpenAiChatCaller implements CallerFormat {
    private final OpenAiChatScan scan;
    private final Buffer body;
    private final String publicModel;
    private ChatRequest canonical;
    /** What produced the answer, for a token estimate when the provider reports no usage. */
    private volatile Object lastAnswer;

    OpenAiChatCaller(OpenAiChatScan scan, Buffer body) {
        this.scan = scan;
        this.body = body;
        this.publicModel = scan.model();
    }

    @Override
    public boolean stream() {
        return scan.stream();
    }

    @Override
    public Future<UpstreamRequest> upstreamRequest(Target target) {
        Provider provider = target.provider();
        String model = target.upstreamModel();
        if (CallerFormat.sameFormat(WireFormat.OPENAI, provider)) {
            // Streams always ask the upstream for usage, so tokens are counted even if the caller did not ask.
            Buffer rewritten = scan.stream() ? scan.withModelAndUsage(model) : scan.withModel(model);
            return Future.succeededFuture(provider.chat(rewritten, model, scan.stream()));
        }
        try {
            return CallerFormat.translatedChat(provider, canonical(), model, scan.stream());
        } catch (GatewayException e) {
            return Future.failedFuture(e); // the caller's request does not decode
        }
    }

    private ChatRequest canonical() {
        if (canonical == null) {
            canonical = OpenAiChatDecoder.decode(body);
        }
        return canonical;
    }

    @Override
    public Buffer answer(Target target, Buffer upstreamBody, Call call) {
        if (CallerFormat.sameFormat(WireFormat.OPENAI, target.provider())) {
            call.usage(OpenAiUsageReader.read(upstreamBody));
            lastAnswer = new Object[] {target.provider(), upstreamBody}; // decoded only if an estimate is needed
            return upstreamBody;
        }
        ChatResponse response = target.provider().codec().decodeChat(upstreamBody);
        call.usage(response.usage());
        lastAnswer = response;
        return OpenAiResponseEncoder.encode(response);
    }

    @Override
    public StreamRelay relay(Target target) {
        StreamRelay relay = CallerFormat.sameFormat(WireFormat.OPENAI, target.provider())
                ? new PassthroughRelay(new OpenAiStreamUsageScanner(scan.usageInjected()), target.provider())
                : new TranslatingRelay(target.provider().codec().streamDecoder(), new OpenAiChunkEncoder(null, scan.includeUsage()));
        lastAnswer = relay;
        return relay;
    }

    /**
     * Tokens estimated with jtokkit (o200k_base) for a provider that reported no usage: the
     * prompt as decoded, and the answer's text as the caller received it (streamed or not).
     * Runs on the request-log writer thread, after the call has ended.
     */
    Usage estimateUsage() {
        Object answer = lastAnswer;
        String text;
        if (answer instanceof Resumable relay) {
            text = relay.delivered().text();
        } else if (answer instanceof ChatResponse response) {
            text = UsageText.of(response);
        } else if (answer instanceof Object[] raw) {
            text = UsageText.of(((Provider) raw[0]).codec().decodeChat((Buffer) raw[1]));
        } else {
            return null;
        }
        long input = dev.gatehouse.api.anthropic.TokenCounter.count(canonical());
        return Usage.of(input, dev.gatehouse.api.anthropic.TokenCounter.text(text));
    }

    @Override
    public Buffer errorBody(GatewayException error) {
        return OpenAiErrors.body(error);
    }

    @Override
    public boolean canContinue(StreamRelay broken) {
        return broken instanceof Resumable resumable && !resumable.delivered().toolCalls();
    }

    @Override
    public Future<UpstreamRequest> continuationRequest(Target next, StreamRelay broken, boolean prefill) {
        try {
            ChatRequest request = canonical();
            if (prefill) {
                String prefix = ((Resumable) broken).delivered().text().stripTrailing();
                if (!prefix.isEmpty()) {
                    java.util.List<dev.gatehouse.canonical.Message> messages = new java.util.ArrayList<>(request.messages());
                    messages.add(dev.gatehouse.canonical.Message.text(dev.gatehouse.canonical.Role.ASSISTANT, prefix));
                    request = request.withMessages(messages);
                }
            }
            return CallerFormat.translatedChat(next.provider(), request, next.upstreamModel(), true);
        } catch (GatewayException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public StreamRelay continuation(StreamRelay broken, Target next, boolean prefill) {
        Delivered delivered = ((Resumable) broken).delivered();
        OpenAiChunkEncoder encoder = OpenAiChunkEncoder.resuming(
                delivered.id(), delivered.model(), delivered.created(), scan.includeUsage());
        ContinuationRelay relay = new ContinuationRelay(next.provider().codec().streamDecoder(), encoder, delivered, prefill);
        lastAnswer = relay;
        return relay;
    }

    /** Same-format stream: bytes flow through; the scanner notes usage and finish and strips the usage chunk we injected. */
    private static final class PassthroughRelay implements StreamRelay, Resumable {
        private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");
        private final OpenAiStreamUsageScanner scanner;
        private final Provider provider;
        /**
         * What reached the caller, by reference (no copy): decoded only if the stream breaks and
         * must be continued elsewhere, so the fast path pays one list append per chunk.
         */
        private final java.util.List<Buffer> forwarded = new java.util.ArrayList<>();

        PassthroughRelay(OpenAiStreamUsageScanner scanner, Provider provider) {
            this.scanner = scanner;
            this.provider = provider;
        }

        @Override
        public Buffer relay(Buffer upstreamChunk) {
            Buffer out = scanner.feed(upstreamChunk);
            if (scanner.errorReceived()) {
                throw OpenAiStreamErrors.upstreamError(scanner.error(), scanner.errorMessage(), provider);
            }
            if (out.length() > 0) {
                forwarded.add(out);
            }
            return out;
        }

        @Override
        public Delivered delivered() {
            return Delivered.decode(forwarded);
        }

        @Override
        public Buffer end() {
            Buffer tail = scanner.flush();
            if (scanner.errorReceived()) {
                throw OpenAiStreamErrors.upstreamError(scanner.error(), scanner.errorMessage(), provider);
            }
            // A stream that finished its answer but lost its terminator is completed here.
            return scanner.doneReceived() || scanner.finishReason() == null ? tail : Buffer.buffer().appendBuffer(tail).appendBuffer(DONE);
        }

        @Override
        public boolean complete() {
            return scanner.finishReason() != null;
        }

        @Override
        public Buffer error(GatewayException error) {
            return OpenAiErrors.sseEvent(error);
        }

        @Override
        public Usage usage() {
            return scanner.usage();
        }
    }

    /** Another format upstream: decode its events, encode them as OpenAI chunks. */
    private static final class TranslatingRelay implements StreamRelay, Resumable {
        private final StreamDecoder decoder;
        private final OpenAiChunkEncoder encoder;
        private final StringBuilder text = new StringBuilder();
        private boolean toolCalls;
        private boolean finished;
        private Buffer pending;

        TranslatingRelay(StreamDecoder decoder, OpenAiChunkEncoder encoder) {
            this.decoder = decoder;
            this.encoder = encoder;
        }

        @Override
        public Buffer relay(Buffer upstreamChunk) {
            pending = Buffer.buffer();
            decoder.feed(upstreamChunk, this::accept);
            return pending;
        }

        private void accept(StreamEvent event) {
            switch (event) {
                case StreamEvent.Finish f -> finished = true;
                case StreamEvent.TextDelta t -> text.append(t.text());
                case StreamEvent.ToolCallDelta d -> toolCalls = true;
                default -> { }
            }
            pending.appendBuffer(encoder.encode(event));
        }

        @Override
        public Delivered delivered() {
            return new Delivered(text.toString(), toolCalls, encoder.id(), encoder.model(), encoder.created());
        }

        @Override
        public Buffer end() {
            pending = Buffer.buffer();
            decoder.end(this::accept);
            return finished ? pending.appendBuffer(encoder.done()) : pending;
        }

        @Override
        public boolean complete() {
            return finished;
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
