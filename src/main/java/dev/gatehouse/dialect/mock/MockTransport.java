package dev.gatehouse.dialect.mock;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.EmbeddingRequest;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.config.ProviderConfig.MockSettings;
import dev.gatehouse.config.Timeouts;
import dev.gatehouse.dialect.openai.OpenAiChatDecoder;
import dev.gatehouse.dialect.openai.OpenAiChunkEncoder;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsDecoder;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsEncoder;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import dev.gatehouse.dialect.openai.OpenAiResponseEncoder;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamCall;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.UpstreamResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process upstream that speaks OpenAI's wire format. Because it answers with the same
 * bytes a real OpenAI-compatible server would, the gateway treats it like any other provider:
 * demos and tests exercise the real request path, fast path included.
 */
final class MockTransport implements Transport {
    private static final AtomicLong IDS = new AtomicLong();
    /** Numbers in one embeddings answer (inputs × dimensions): 2,048 inputs of 4,096 dimensions. */
    static final int MAX_EMBEDDING_NUMBERS = 2048 * 4096;

    private final Vertx vertx;
    private final MockSettings settings;

    MockTransport(Vertx vertx, MockSettings settings) {
        this.vertx = vertx;
        this.settings = settings;
    }

    @Override
    public UpstreamCall send(UpstreamRequest request, Timeouts timeouts) {
        Context context = vertx.getOrCreateContext();
        Promise<UpstreamResponse> response = Promise.promise();
        QueuedResponse[] built = new QueuedResponse[1];
        // A streamed upload is read as a server would: its start kept, the rest counted.
        PrefixSink upload = request.upload() == null ? null : new PrefixSink();
        Future<Void> received = upload == null ? Future.succeededFuture() : request.upload().writeTo(upload);
        Runnable answer = () -> received.onComplete(done -> {
            if (!response.future().isComplete()) {
                built[0] = done.failed() ? error(context, new GatewayException(dev.gatehouse.call.ErrorType.INVALID_REQUEST,
                        "the upload could not be read", null, null)) : respond(context, request, upload);
                response.tryComplete(built[0]);
            }
        });
        if (settings.latencyMs() > 0) {
            vertx.setTimer(settings.latencyMs(), t -> answer.run());
        } else {
            context.runOnContext(v -> answer.run());
        }
        return new UpstreamCall() {
            @Override
            public Future<UpstreamResponse> response() {
                return response.future();
            }

            @Override
            public void cancel() {
                response.tryFail(new UpstreamException(UpstreamError.of(ErrorClass.CONNECTION, "upstream call cancelled")));
                if (built[0] != null) {
                    built[0].cancel();
                }
            }
        };
    }

    private QueuedResponse respond(Context context, UpstreamRequest request, PrefixSink upload) {
        try {
            MockMedia.Answer media = media(request, upload);
            if (media != null) {
                return media(context, media);
            }
            if (request.url().endsWith("/rerank")) {
                return whole(context, MockRerank.answer(request.body()));
            }
            if (request.url().endsWith("/embeddings")) {
                return whole(context, embeddings(OpenAiEmbeddingsDecoder.decode(request.body())));
            }
            ChatRequest chat = OpenAiChatDecoder.decode(request.body());
            long n = IDS.incrementAndGet();
            String id = "chatcmpl-mock-" + n;
            long created = System.currentTimeMillis() / 1000;
            ToolCall call = MockAnswers.toolCall(chat, n);
            if (call != null) {
                return toolCall(context, chat, call, id, created);
            }
            MockAnswers.Answer answer = MockAnswers.answer(chat, settings);
            if (!chat.stream()) {
                ChatResponse response = new ChatResponse(id, chat.model(), created,
                        List.of(new ContentPart.Text(answer.text())), List.of(), answer.finishReason(), answer.usage(), Map.of());
                return whole(context, OpenAiResponseEncoder.encode(response));
            }
            return new QueuedResponse(vertx, context, 200, headers("text/event-stream"),
                    streamChunks(chat, answer, id, created), settings.chunkDelayMs());
        } catch (GatewayException e) {
            return error(context, e);
        }
    }

    private QueuedResponse error(Context context, GatewayException e) {
        return new QueuedResponse(vertx, context, e.status(), headers("application/json"), List.of(OpenAiErrors.body(e)), 0);
    }

    /** The answer to one of OpenAI's media endpoints, or null when the request is for another. */
    private static MockMedia.Answer media(UpstreamRequest request, PrefixSink upload) {
        String url = request.url();
        String operation = url.substring(url.indexOf('/', "mock://".length()) + 1);
        return switch (operation) {
            case "images/generations" -> MockMedia.imagesFromJson(request.body());
            case "audio/speech" -> MockMedia.speech(request.body());
            case "moderations" -> MockMedia.moderation(request.body());
            case "audio/transcriptions", "audio/translations", "images/edits", "images/variations" -> {
                String type = request.headers().get(HttpHeaders.CONTENT_TYPE);
                String boundary = type == null || !type.contains("boundary=") ? "" : type.substring(type.indexOf("boundary=") + 9);
                MockMedia.Form form = MockMedia.form(boundary, upload.prefix(), upload.received());
                if (operation.startsWith("images/")) {
                    Map<String, String> f = form.fields();
                    yield MockMedia.images(null, f.getOrDefault("prompt", form.filename()), Integer.parseInt(f.getOrDefault("n", "1")),
                            f.getOrDefault("response_format", "url"), f.getOrDefault("size", "1024x1024"));
                }
                yield MockMedia.transcript(operation.endsWith("translations"), form.fields(), form.filename(), form.fileBytes(),
                        form.fileHead());
            }
            default -> null;
        };
    }

    /** A media answer; audio comes in a few chunks, as a streamed upstream sends it. */
    private QueuedResponse media(Context context, MockMedia.Answer answer) {
        List<Buffer> chunks = new ArrayList<>();
        Buffer body = answer.body();
        int step = answer.contentType().startsWith("audio/") ? Math.max(1, body.length() / 4 + 1) : Math.max(1, body.length());
        for (int i = 0; i < body.length(); i += step) {
            chunks.add(body.getBuffer(i, Math.min(body.length(), i + step)));
        }
        return new QueuedResponse(vertx, context, answer.status(), headers(answer.contentType()), chunks, settings.chunkDelayMs());
    }

    /** A tool call as a whole answer or as a stream (name first, then the arguments), with usage. */
    private QueuedResponse toolCall(Context context, ChatRequest chat, ToolCall call, String id, long created) {
        Usage usage = Usage.of(MockAnswers.promptTokens(chat.messages()), MockAnswers.countWords(call.arguments()) + 1);
        if (!chat.stream()) {
            ChatResponse response = new ChatResponse(id, chat.model(), created, List.of(), List.of(call), FinishReason.TOOL_CALLS,
                    usage, Map.of());
            return whole(context, OpenAiResponseEncoder.encode(response));
        }
        OpenAiChunkEncoder encoder = new OpenAiChunkEncoder(null, chat.includeUsage());
        Buffer first = Buffer.buffer().appendBuffer(encoder.encode(new StreamEvent.Start(id, chat.model(), created)))
                .appendBuffer(encoder.encode(new StreamEvent.ToolCallDelta(0, call.id(), call.name(), "")));
        Buffer last = Buffer.buffer().appendBuffer(encoder.encode(new StreamEvent.ToolCallDelta(0, null, null, call.arguments())))
                .appendBuffer(encoder.encode(new StreamEvent.Finish(FinishReason.TOOL_CALLS)))
                .appendBuffer(encoder.encode(new StreamEvent.UsageReport(usage))).appendBuffer(encoder.done());
        return new QueuedResponse(vertx, context, 200, headers("text/event-stream"), List.of(first, last), settings.chunkDelayMs());
    }

    private List<Buffer> streamChunks(ChatRequest chat, MockAnswers.Answer answer, String id, long created) {
        OpenAiChunkEncoder encoder = new OpenAiChunkEncoder(null, chat.includeUsage());
        List<Buffer> chunks = new ArrayList<>();
        // Encoders may return shared empty buffers: copy into fresh ones before appending.
        Buffer first = Buffer.buffer().appendBuffer(encoder.encode(new StreamEvent.Start(id, chat.model(), created)));
        List<String> words = answer.words();
        int perChunk = Math.max(1, settings.tokensPerChunk());
        for (int i = 0; i < words.size(); i += perChunk) {
            StringBuilder text = new StringBuilder();
            for (int j = i; j < Math.min(words.size(), i + perChunk); j++) {
                if (j > 0) {
                    text.append(' ');
                }
                text.append(words.get(j));
            }
            Buffer delta = encoder.encode(new StreamEvent.TextDelta(text.toString()));
            if (first != null) {
                chunks.add(first.appendBuffer(delta)); // role and first words travel together
                first = null;
            } else {
                chunks.add(delta);
            }
        }
        Buffer last = first != null ? first : Buffer.buffer();
        last.appendBuffer(encoder.encode(new StreamEvent.Finish(answer.finishReason())));
        last.appendBuffer(encoder.encode(new StreamEvent.UsageReport(answer.usage()))).appendBuffer(encoder.done());
        chunks.add(last);
        return chunks;
    }

    private EmbeddingResponse embeddings(EmbeddingRequest request) {
        int dimensions = request.dimensions() != null ? request.dimensions() : settings.embeddingDimensions();
        if ((long) dimensions * request.inputs().size() > MAX_EMBEDDING_NUMBERS) {
            // Computed on the event loop: a bound like a real provider's keeps one request from holding it.
            throw GatewayException.invalid("The mock provider answers at most " + MAX_EMBEDDING_NUMBERS
                    + " numbers per embeddings request; ask for fewer inputs or fewer dimensions.", "dimensions");
        }
        List<float[]> vectors = new ArrayList<>(request.inputs().size());
        long tokens = 0;
        for (String input : request.inputs()) {
            vectors.add(MockAnswers.embedding(input, dimensions));
            tokens += MockAnswers.countWords(input);
        }
        return new EmbeddingResponse(request.model(), vectors, Usage.of(tokens, 0));
    }

    private QueuedResponse whole(Context context, EmbeddingResponse response) {
        return whole(context, OpenAiEmbeddingsEncoder.encode(response, "float"));
    }

    private QueuedResponse whole(Context context, Buffer body) {
        return new QueuedResponse(vertx, context, 200, headers("application/json"), List.of(body), 0);
    }

    private static MultiMap headers(String contentType) {
        return HttpHeaders.headers().set(HttpHeaders.CONTENT_TYPE, contentType);
    }
}
