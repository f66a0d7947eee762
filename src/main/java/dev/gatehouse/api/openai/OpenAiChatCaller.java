package dev.gatehouse.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.provider.BufferBytes;
import dev.gatehouse.api.Continuation;
import dev.gatehouse.api.Delivered;
import dev.gatehouse.api.Resumable;
import dev.gatehouse.api.TranslatedLeg;
import dev.gatehouse.api.TranslatingRelay;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallContent;
import dev.gatehouse.call.OutputFilter;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.openai.OpenAiChatDecoder;
import dev.gatehouse.dialect.openai.OpenAiChunkEncoder;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.dialect.openai.OpenAiResponseEncoder;
import dev.gatehouse.dialect.openai.OpenAiStreamErrors;
import dev.gatehouse.dialect.openai.OpenAiUsageReader;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.pricing.TokenCounter;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.StreamEncoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireFormat;
import dev.gatehouse.routing.Target;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** A {@code POST /v1/chat/completions} request and how to answer it in OpenAI's format. */
final class OpenAiChatCaller implements CallerFormat, CallContent {
    /** The scan and body of the request as sent upstream: replaced when a guardrail masks it. */
    private OpenAiChatScan scan;
    private Buffer body;
    /** Output guardrails and restoring masked values, or null: then same-format answers pass through unread. */
    private OutputFilter outputFilter;
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
    public Leg leg(Target target) {
        // An output filter reads canonical events, so a filtered answer is always translated.
        return outputFilter == null && CallerFormat.sameFormat(WireFormat.OPENAI, target.provider())
                ? new Passthrough(target) : new Translated(target);
    }

    @Override
    public CallContent content() {
        return this;
    }

    @Override
    public Buffer body() {
        return body;
    }

    @Override
    public void replaceBody(Buffer rewritten) {
        scan = OpenAiChatScan.scan(rewritten);
        body = rewritten;
        canonical = null;
    }

    @Override
    public void filterOutput(OutputFilter filter) {
        this.outputFilter = filter;
    }

    /** Same format: the caller's bytes with the model replaced; the answer's bytes as they came. */
    private final class Passthrough implements Leg {
        private final Target target;

        Passthrough(Target target) {
            this.target = target;
        }

        @Override
        public Future<UpstreamRequest> upstreamRequest() {
            String model = target.upstreamModel();
            // Streams always ask the upstream for usage, so tokens are counted even if the caller did not ask.
            Buffer rewritten = scan.stream() ? scan.withModelAndUsage(model) : scan.withModel(model);
            return Future.succeededFuture(target.provider().chat(rewritten, model, scan.stream()));
        }

        @Override
        public Buffer answer(Buffer upstreamBody, Call call) {
            call.usage(OpenAiUsageReader.read(upstreamBody));
            lastAnswer = new Object[] {target.provider(), upstreamBody}; // decoded only if an estimate is needed
            return upstreamBody;
        }

        @Override
        public StreamRelay relay() {
            StreamRelay relay = new PassthroughRelay(new OpenAiStreamUsageScanner(scan.usageInjected()).checkingLines(),
                    target.provider(), scan.includeUsage());
            lastAnswer = relay;
            return relay;
        }
    }

    /** Another format: through the canonical model both ways. */
    private final class Translated extends TranslatedLeg {
        private final Target target;

        Translated(Target target) {
            this.target = target;
        }

        @Override
        public Future<UpstreamRequest> upstreamRequest() {
            try {
                return CallerFormat.translatedChat(target.provider(), canonical(), target.upstreamModel(), scan.stream());
            } catch (GatewayException e) {
                return Future.failedFuture(e); // the caller's request does not decode
            }
        }

        @Override
        protected OutputFilter filter() {
            return outputFilter;
        }

        @Override
        protected ChatResponse decoded(Buffer upstreamBody, Call call) {
            ChatResponse response = withModel(target.provider().codec().decodeChat(upstreamBody, canonical()), target.upstreamModel());
            call.usage(response.usage());
            return response;
        }

        @Override
        protected Buffer encoded(ChatResponse response) {
            lastAnswer = response;
            // Extra top-level fields of another format (Anthropic's container, stop_details) stay behind.
            return OpenAiResponseEncoder.encode(response, target.provider().codec().format() == WireFormat.OPENAI);
        }

        @Override
        public StreamRelay relay() {
            StreamRelay relay = new TranslatingRelay(target.provider().codec().streamDecoder(canonical()), new OpenAiChunkEncoder(target.upstreamModel(), scan.includeUsage()))
                    .filter(outputFilter);
            lastAnswer = relay;
            return relay;
        }
    }

    /** Answers name the model the upstream reports, else the upstream model the call was routed to (docs/api.md). */
    private static ChatResponse withModel(ChatResponse r, String upstreamModel) {
        return r.model() != null ? r : new ChatResponse(r.id(), upstreamModel, r.created(), r.content(), r.toolCalls(),
                r.finishReason(), r.usage(), r.extra());
    }

    @Override
    public ChatRequest chatRequest() {
        return canonical();
    }

    @Override
    public Buffer requestBody() {
        return body;
    }

    private ChatRequest canonical() {
        if (canonical == null) {
            canonical = OpenAiChatDecoder.decode(body);
        }
        return canonical;
    }

    /**
     * Tokens estimated with jtokkit (o200k_base) for a provider that reported no usage: the
     * prompt as decoded, and the answer's text as the caller received it (streamed or not).
     * Runs once, off the event loop, when the call is settled (pricing.Settler), after it has ended.
     */
    Usage estimateUsage() {
        Object answer = lastAnswer;
        String text;
        if (answer instanceof Resumable relay) {
            text = relay.delivered().text();
        } else if (answer instanceof ChatResponse response) {
            text = TokenCounter.answerText(response);
        } else if (answer instanceof Object[] raw) {
            text = TokenCounter.answerText(((Provider) raw[0]).codec().decodeChat((Buffer) raw[1]));
        } else {
            return null;
        }
        long input = TokenCounter.count(canonical());
        return Usage.of(input, TokenCounter.text(text));
    }

    @Override
    public Buffer errorBody(GatewayException error) {
        return OpenAiErrors.body(error);
    }

    @Override
    public boolean canContinue(StreamRelay broken) {
        return Continuation.possible(broken);
    }

    @Override
    public Future<UpstreamRequest> continuationRequest(Target next, StreamRelay broken, boolean prefill) {
        try {
            return Continuation.request(canonical(), next, broken, prefill);
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

    /** Same-format stream: bytes flow through; the scanner notes usage and finish and strips the usage chunk we injected. */
    static final class PassthroughRelay implements StreamRelay, Resumable {
        private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");
        private final OpenAiStreamUsageScanner scanner;
        private final Provider provider;
        private final boolean includeUsage;
        /** What reached the caller, for a continuation: one reference append per chunk, bounded (see DeliveredLog). */
        private final DeliveredLog forwarded = new DeliveredLog();
        private boolean answering;

        PassthroughRelay(OpenAiStreamUsageScanner scanner, Provider provider, boolean includeUsage) {
            this.scanner = scanner;
            this.provider = provider;
            this.includeUsage = includeUsage;
        }

        /**
         * The bytes of an incomplete last line, held back until its end arrives: a line is
         * forwarded only once it is known to be well formed, so a malformed chunk breaks the attempt
         * (and the stream is continued elsewhere) instead of reaching the caller's SDK.
         */
        private Buffer partial;

        @Override
        public Buffer relay(Buffer upstreamChunk) {
            Buffer scanned = scanner.feed(upstreamChunk);
            if (scanner.errorReceived()) {
                throw OpenAiStreamErrors.upstreamError(scanner.error(), scanner.errorMessage(), provider);
            }
            if (scanner.malformedLine() != null) { // checked by the scanner's own pass (checkingLines)
                throw new UpstreamException(UpstreamError.of(
                        ErrorClass.UPSTREAM_ERROR, "malformed stream chunk from provider: "
                                + scanner.malformedLine()));
            }
            Buffer all = partial == null ? scanned : partial.appendBuffer(scanned);
            partial = null;
            int end = all.length();
            while (end > 0 && all.getByte(end - 1) != '\n') {
                end--;
            }
            Buffer out;
            if (end == all.length()) {
                out = all; // the usual case: the chunk ends at a line end, nothing is copied
            } else {
                partial = all.getBuffer(end, all.length());
                out = end == 0 ? Buffer.buffer(0) : all.getBuffer(0, end);
            }
            if (out.length() > 0) {
                forwarded.add(out);
                if (!answering) {
                    answering = beyondOpening(out);
                }
            }
            return out;
        }

        @Override
        public boolean answering() {
            return answering;
        }

        @Override
        public Delivered delivered() {
            return forwarded.delivered().delivered();
        }

        @Override
        public boolean resumable() {
            return forwarded.complete();
        }

        /** The caller's stream carried on in translation: the id, model and created it already has. */
        @Override
        public StreamEncoder resume() {
            ForwardedChunks head = forwarded.delivered();
            return OpenAiChunkEncoder.resuming(head.id(), head.model(), head.created(), includeUsage);
        }

        /**
         * Whether these complete lines hold more than the stream's opening: a chunk whose deltas
         * carry only the role (and empty content) is the opening; anything else — text, tool
         * calls, reasoning fields of any provider's dialect, a finish, usage, something not
         * understood — is the answer (so a long reasoning phase is never mistaken for silence).
         */
        private static boolean beyondOpening(Buffer lines) {
            if (hasNonEmptyContent(lines)) {
                return true; // the usual answer chunk, decided without parsing
            }
            for (String line : lines.toString(StandardCharsets.UTF_8).split("\n")) {
                String l = line.strip();
                if (!l.startsWith("data:")) {
                    continue;
                }
                String payload = l.substring(5).strip();
                if (payload.equals("[DONE]")) {
                    return true;
                }
                JsonNode root;
                try {
                    root = OpenAiJson.MAPPER.readTree(payload);
                } catch (IOException e) {
                    return true;
                }
                JsonNode choices = root == null ? null : root.get("choices");
                if (choices == null || !choices.isArray() || choices.isEmpty()
                        || (root.hasNonNull("usage") && !root.get("usage").isEmpty())) {
                    return true;
                }
                for (JsonNode choice : choices) {
                    if (choice.hasNonNull("finish_reason")) {
                        return true;
                    }
                    var fields = choice.path("delta").fields();
                    while (fields.hasNext()) {
                        var field = fields.next();
                        JsonNode v = field.getValue();
                        boolean empty = v.isNull() || (v.isTextual() && v.textValue().isEmpty()) || (v.isContainerNode() && v.isEmpty());
                        if (!field.getKey().equals("role") && !empty) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }

        private static final byte[] CONTENT_STRING = "\"content\":\"".getBytes(StandardCharsets.US_ASCII);

        /**
         * Whether a non-empty {@code "content":"..."} string is in the chunk: in a chat completion
         * chunk that is only ever a delta's text (log-probabilities' content is an array), i.e. the
         * answer has begun. A cheap byte search in front of the full check's JSON parse.
         */
        static boolean hasNonEmptyContent(Buffer lines) {
            BufferBytes view = OpenAiJson.bytes(lines);
            byte[] a = view.array();
            int limit = view.offset() + view.length() - CONTENT_STRING.length;
            outer:
            for (int i = view.offset(); i < limit; i++) {
                for (int k = 0; k < CONTENT_STRING.length; k++) {
                    if (a[i + k] != CONTENT_STRING[k]) {
                        continue outer;
                    }
                }
                if (a[i + CONTENT_STRING.length] != '"') {
                    return true;
                }
            }
            return false;
        }

        @Override
        public Buffer end() {
            Buffer rest = scanner.flush();
            Buffer tail = partial == null ? rest : rest.length() == 0 ? partial : partial.appendBuffer(rest);
            partial = null;
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
}
