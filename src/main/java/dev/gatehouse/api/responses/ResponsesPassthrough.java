package dev.gatehouse.api.responses;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.dialect.responses.ResponsesUsage;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.sse.SseEvent;
import dev.gatehouse.provider.sse.SseParser;
import dev.gatehouse.routing.Target;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The same-format fast path: a Responses request to an upstream that serves the Responses API
 * itself ({@code responses: true}), as the caller's bytes with only the model replaced, and the
 * answer's bytes as they came; a side scan notes usage from the final event. Taken only for a
 * request the gateway need not store (the caller says {@code store: false} and names no
 * {@code previous_response_id}): a stored conversation needs its items in the gateway's store, so
 * any provider can continue it, and that is what the translated path keeps.
 */
final class ResponsesPassthrough implements CallerFormat.Leg {
    private final Target target;
    private final Buffer body;
    private final boolean stream;

    ResponsesPassthrough(Target target, Buffer body, boolean stream) {
        this.target = target;
        this.body = body;
        this.stream = stream;
    }

    /** Whether a request may pass through as bytes: the caller asked to store nothing and continues nothing. */
    static boolean possible(Target target, JsonNode root, String previousResponseId) {
        return target.provider().servesResponses() && target.provider().passthrough() && previousResponseId == null
                && root.path("store").isBoolean() && !root.get("store").booleanValue();
    }

    @Override
    public Future<UpstreamRequest> upstreamRequest() {
        try {
            return Future.succeededFuture(target.provider().responses(withModel(body, target.upstreamModel()), target.upstreamModel(),
                    stream));
        } catch (GatewayException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public Buffer answer(Buffer upstreamBody, Call call) {
        try {
            call.usage(ResponsesUsage.read(OpenAiJson.MAPPER.readTree(upstreamBody.getBytes()).get("usage")));
        } catch (IOException e) {
            throw new UpstreamException(UpstreamError.of(ErrorClass.UPSTREAM_ERROR, "the provider's response is not JSON"));
        }
        return upstreamBody;
    }

    @Override
    public CallerFormat.StreamRelay relay() {
        return new Relay();
    }

    /** The body with only the top-level {@code model} value replaced. */
    static Buffer withModel(Buffer body, String model) {
        try (JsonParser p = OpenAiJson.parser(OpenAiJson.bytes(body))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw GatewayException.invalid("Request body must be a JSON object.", null);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("model")) {
                    OpenAiJson.StringSpan span = OpenAiJson.uniqueString(p, value, "model", false, "", "'model' must be a string, got ");
                    return OpenAiJson.splice(body, new int[] {span.start()}, new int[] {span.end()},
                            new byte[][] {OpenAiJson.quoted(model)});
                }
                p.skipChildren();
            }
            throw GatewayException.invalid("Missing required parameter: 'model'.", "model");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Passes the upstream's events on; notes usage and the end from the final event. */
    private final class Relay implements CallerFormat.StreamRelay {
        private final SseParser parser = new SseParser();
        private boolean answering;
        private boolean complete;
        private long lastSequence = -1;
        private Usage usage;
        private String failure;

        @Override
        public Buffer relay(Buffer upstreamChunk) {
            parser.feed(upstreamChunk, this::scan);
            if (failure != null) {
                throw new UpstreamException(UpstreamError.of(ErrorClass.UPSTREAM_ERROR, failure));
            }
            return upstreamChunk;
        }

        private void scan(SseEvent event) {
            JsonNode data;
            try {
                data = OpenAiJson.MAPPER.readTree(event.data());
            } catch (IOException e) {
                return; // not ours to judge: passed on as it came
            }
            lastSequence = Math.max(lastSequence, data.path("sequence_number").asLong(lastSequence));
            String type = data.path("type").asText(event.event() == null ? "" : event.event());
            switch (type) {
                case "response.created", "response.in_progress" -> { }
                case "response.completed", "response.incomplete" -> {
                    answering = true;
                    complete = true;
                    usage = ResponsesUsage.read(data.path("response").get("usage"));
                }
                case "response.failed" -> failure = data.path("response").path("error").path("message").asText("the response failed");
                case "error" -> failure = data.path("message").asText("the provider's stream reported an error");
                default -> answering = true;
            }
        }

        @Override
        public Buffer end() {
            parser.end(this::scan);
            return Buffer.buffer();
        }

        @Override
        public boolean complete() {
            return complete;
        }

        @Override
        public boolean answering() {
            return answering;
        }

        /** OpenAI's {@code error} event, numbered after the last event the caller got. */
        @Override
        public Buffer error(GatewayException error) {
            ObjectNode event = OpenAiJson.MAPPER.createObjectNode().put("type", "error").put("code", error.code())
                    .put("message", error.getMessage()).put("param", error.param()).put("sequence_number", lastSequence + 1);
            return Buffer.buffer("event: error\ndata: " + event + "\n\n");
        }

        @Override
        public Usage usage() {
            return usage;
        }
    }
}
