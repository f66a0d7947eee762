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
            return upstreamBody;
        }
        ChatResponse response = target.provider().codec().decodeChat(upstreamBody);
        call.usage(response.usage());
        return OpenAiResponseEncoder.encode(response);
    }

    @Override
    public StreamRelay relay(Target target) {
        if (CallerFormat.sameFormat(WireFormat.OPENAI, target.provider())) {
            return new PassthroughRelay(new OpenAiStreamUsageScanner(scan.usageInjected()), target.provider());
        }
        return new TranslatingRelay(target.provider().codec().streamDecoder(), new OpenAiChunkEncoder(publicModel, scan.includeUsage()));
    }

    @Override
    public Buffer errorBody(GatewayException error) {
        return OpenAiErrors.body(error);
    }

    /** Same-format stream: bytes flow through; the scanner notes usage and finish and strips the usage chunk we injected. */
    private static final class PassthroughRelay implements StreamRelay {
        private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");
        private final OpenAiStreamUsageScanner scanner;
        private final Provider provider;

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
            return out;
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
    private static final class TranslatingRelay implements StreamRelay {
        private final StreamDecoder decoder;
        private final OpenAiChunkEncoder encoder;
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
            if (event instanceof StreamEvent.Finish) {
                finished = true;
            }
            pending.appendBuffer(encoder.encode(event));
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
