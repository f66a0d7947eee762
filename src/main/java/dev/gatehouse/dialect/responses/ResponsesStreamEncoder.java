package dev.gatehouse.dialect.responses;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.provider.StreamEncoder;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Canonical stream events to the Responses API's event grammar, each event with a
 * {@code sequence_number} rising from 0: {@code response.created}, {@code response.in_progress},
 * then per output item {@code response.output_item.added}, its part and delta events and
 * {@code response.output_item.done} (one item open at a time, as OpenAI streams them), then
 * {@code response.completed} (or {@code response.incomplete}) carrying the whole response and its
 * usage. Usage arrives after the finish in other formats, so the closing events come from
 * {@link #done()}; an in-band failure is {@code response.failed}.
 *
 * <p>The state lives in a {@link Response} shared by every encoder of one stream: a continuation
 * on another target ({@link #resuming()}) carries on the same response and the same open item, and
 * the caller reads the finished response from it to store it.
 */
public final class ResponsesStreamEncoder implements StreamEncoder {
    private enum Kind { TEXT, REASONING, TOOL }

    private static final Buffer EMPTY = Buffer.buffer(0);

    /** One streamed response as it builds up. */
    public static final class Response {
        private final ObjectNode object;
        private final ArrayNode output = OpenAiJson.MAPPER.createArrayNode();
        private final Map<Integer, ObjectNode> toolItems = new HashMap<>();
        private int sequence;
        private boolean started;
        private boolean ended;
        private Kind openKind;
        private ObjectNode openItem;
        private int openIndex = -1;
        private final StringBuilder openText = new StringBuilder();

        public Response(ObjectNode shell) {
            this.object = shell;
        }

        /** The response object; whole once the stream ended ({@link #ended()}). */
        public ObjectNode object() {
            return object;
        }

        /** Whether response.completed, response.incomplete or response.failed was written. */
        public boolean ended() {
            return ended;
        }
    }

    private final Response state;
    private FinishReason finish;
    private Usage usage;

    public ResponsesStreamEncoder(Response state) {
        this.state = state;
    }

    @Override
    public StreamEncoder resuming() {
        return new ResponsesStreamEncoder(state);
    }

    @Override
    public Buffer encode(StreamEvent event) {
        Buffer out = Buffer.buffer();
        switch (event) {
            case StreamEvent.Start s -> {
                if (!state.started && s.model() != null) {
                    state.object.put("model", s.model());
                }
                start(out);
            }
            case StreamEvent.TextDelta t -> {
                if (t.text().isEmpty()) {
                    return EMPTY;
                }
                open(out, Kind.TEXT, null, null);
                state.openText.append(t.text());
                event(out, "response.output_text.delta", itemEvent().put("content_index", 0).put("delta", t.text())
                        .set("logprobs", OpenAiJson.MAPPER.createArrayNode()));
            }
            case StreamEvent.ReasoningDelta r -> {
                if (r.text() == null || r.text().isEmpty()) {
                    return EMPTY; // signatures belong to the upstream that wrote them (see ResponsesItems)
                }
                open(out, Kind.REASONING, null, null);
                state.openText.append(r.text());
                event(out, "response.reasoning_summary_text.delta", itemEvent().put("summary_index", 0).put("delta", r.text()));
            }
            case StreamEvent.ToolCallDelta d -> tool(out, d);
            case StreamEvent.Finish f -> finish = f.reason();
            case StreamEvent.UsageReport u -> usage = u.usage();
        }
        return out;
    }

    private void tool(Buffer out, StreamEvent.ToolCallDelta d) {
        ObjectNode item = state.toolItems.get(d.index());
        String fragment = d.argumentsFragment() == null ? "" : d.argumentsFragment();
        if (item == null) {
            String callId = d.id() != null ? d.id() : "call_" + ResponsesIds.functionCall().substring(3);
            open(out, Kind.TOOL, callId, d.name());
            state.toolItems.put(d.index(), state.openItem);
        } else if (item != state.openItem) {
            // A fragment of a call already closed (upstreams interleave rarely): keep it in the item,
            // which the final response carries whole.
            item.put("arguments", item.path("arguments").asText() + fragment);
            return;
        }
        if (!fragment.isEmpty()) {
            state.openText.append(fragment);
            event(out, "response.function_call_arguments.delta", itemEvent().put("delta", fragment));
        }
    }

    @Override
    public Buffer done() {
        Buffer out = Buffer.buffer();
        start(out);
        close(out);
        ResponsesResponseEncoder.finish(state.object, finish, usage);
        state.object.set("output", state.output.deepCopy());
        state.ended = true;
        String type = "completed".equals(state.object.path("status").asText()) ? "response.completed" : "response.incomplete";
        event(out, type, OpenAiJson.MAPPER.createObjectNode().set("response", state.object));
        return out;
    }

    @Override
    public Buffer error(GatewayException e) {
        Buffer out = Buffer.buffer();
        start(out);
        ResponsesResponseEncoder.fail(state.object, ResponsesErrors.code(e), e.getMessage());
        state.object.set("output", state.output.deepCopy());
        state.ended = true;
        event(out, "response.failed", OpenAiJson.MAPPER.createObjectNode().set("response", state.object));
        return out;
    }

    @Override
    public Usage usage() {
        return usage;
    }

    @Override
    public boolean finished() {
        return finish != null;
    }

    private void start(Buffer out) {
        if (state.started) {
            return;
        }
        state.started = true;
        event(out, "response.created", OpenAiJson.MAPPER.createObjectNode().set("response", state.object.deepCopy()));
        event(out, "response.in_progress", OpenAiJson.MAPPER.createObjectNode().set("response", state.object.deepCopy()));
    }

    /** Opens an output item of {@code kind} unless one is open already (tool calls: always a new one). */
    private void open(Buffer out, Kind kind, String callId, String name) {
        start(out);
        if (state.openItem != null && state.openKind == kind && kind != Kind.TOOL) {
            return;
        }
        close(out);
        state.openKind = kind;
        state.openIndex = state.output.size();
        state.openText.setLength(0);
        ObjectNode item = switch (kind) {
            case TEXT -> {
                ObjectNode m = OpenAiJson.MAPPER.createObjectNode().put("id", ResponsesIds.message()).put("type", "message")
                        .put("status", "in_progress").put("role", "assistant");
                m.putArray("content");
                yield m;
            }
            case REASONING -> {
                ObjectNode r = OpenAiJson.MAPPER.createObjectNode().put("id", ResponsesIds.reasoning()).put("type", "reasoning");
                r.putArray("summary");
                yield r;
            }
            case TOOL -> ResponsesItems.functionCallItem(ResponsesIds.functionCall(), callId, name, "", "in_progress");
        };
        state.openItem = item;
        state.output.add(item); // placeholder at its index; replaced by the finished item on close
        event(out, "response.output_item.added", OpenAiJson.MAPPER.createObjectNode().put("output_index", state.openIndex)
                .set("item", item.deepCopy()));
        switch (kind) {
            case TEXT -> event(out, "response.content_part.added", itemEvent().put("content_index", 0)
                    .set("part", ResponsesItems.outputText("")));
            case REASONING -> event(out, "response.reasoning_summary_part.added", itemEvent().put("summary_index", 0)
                    .set("part", summaryPart("")));
            case TOOL -> { }
        }
    }

    /** Closes the open item: its done events, then output_item.done with the item whole. */
    private void close(Buffer out) {
        ObjectNode item = state.openItem;
        if (item == null) {
            return;
        }
        String text = state.openText.toString();
        switch (state.openKind) {
            case TEXT -> {
                ObjectNode part = ResponsesItems.outputText(text);
                event(out, "response.output_text.done", itemEvent().put("content_index", 0).put("text", text)
                        .set("logprobs", OpenAiJson.MAPPER.createArrayNode()));
                event(out, "response.content_part.done", itemEvent().put("content_index", 0).set("part", part.deepCopy()));
                item.withArray("content").add(part);
            }
            case REASONING -> {
                event(out, "response.reasoning_summary_text.done", itemEvent().put("summary_index", 0).put("text", text));
                event(out, "response.reasoning_summary_part.done", itemEvent().put("summary_index", 0).set("part", summaryPart(text)));
                item.withArray("summary").add(summaryPart(text));
            }
            case TOOL -> {
                item.put("arguments", text);
                event(out, "response.function_call_arguments.done", itemEvent().put("name", item.path("name").asText())
                        .put("arguments", text));
            }
        }
        if (item.has("status")) {
            item.put("status", "completed");
        }
        event(out, "response.output_item.done", OpenAiJson.MAPPER.createObjectNode().put("output_index", state.openIndex)
                .set("item", item.deepCopy()));
        state.openItem = null;
        state.openKind = null;
        state.openText.setLength(0);
    }

    private static ObjectNode summaryPart(String text) {
        return OpenAiJson.MAPPER.createObjectNode().put("type", "summary_text").put("text", text);
    }

    /** The fields every event about the open item carries. */
    private ObjectNode itemEvent() {
        return OpenAiJson.MAPPER.createObjectNode().put("item_id", state.openItem.path("id").asText()).put("output_index", state.openIndex);
    }

    private void event(Buffer out, String type, ObjectNode body) {
        ObjectNode event = OpenAiJson.MAPPER.createObjectNode().put("type", type);
        event.setAll(body);
        event.put("sequence_number", state.sequence++);
        try {
            out.appendString("event: " + type + "\ndata: ", "US-ASCII");
            out.appendBytes(OpenAiJson.MAPPER.writeValueAsBytes(event));
            out.appendBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
