package dev.gatehouse.dialect.responses;

import com.fasterxml.jackson.databind.JsonNode;
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
        private long skipThrough = -1;
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
                textDelta(out, 0, t.text());
            }
            case StreamEvent.ReasoningDelta r -> {
                if (r.text() == null || r.text().isEmpty()) {
                    return EMPTY; // signatures belong to the upstream that wrote them (see ResponsesItems)
                }
                open(out, Kind.REASONING, null, null);
                state.openText.append(r.text());
                summaryDelta(out, 0, r.text());
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
            argumentsDelta(out, fragment);
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
            case TEXT -> partAdded(out, 0, ResponsesItems.outputText(""));
            case REASONING -> summaryAdded(out, 0);
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
                partDone(out, 0, part);
                item.withArray("content").add(part);
            }
            case REASONING -> {
                summaryDone(out, 0, text);
                item.withArray("summary").add(summaryPart(text));
            }
            case TOOL -> {
                item.put("arguments", text);
                argumentsDone(out, item.path("name").asText(), text);
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

    /*
     * The grammar of an item's parts, written once: the live stream above and the replay below
     * both speak through these. Each is about the open item (state.openItem at state.openIndex).
     */

    /** content_part.added for a message's part {@code index}: an output_text or a refusal, still empty. */
    private void partAdded(Buffer out, int index, ObjectNode emptyPart) {
        event(out, "response.content_part.added", itemEvent().put("content_index", index).set("part", emptyPart));
    }

    private void textDelta(Buffer out, int index, String delta) {
        event(out, "response.output_text.delta", itemEvent().put("content_index", index).put("delta", delta)
                .set("logprobs", OpenAiJson.MAPPER.createArrayNode()));
    }

    /** The done events of a message's part {@code index}: output_text.done (or refusal.done), then content_part.done. */
    private void partDone(Buffer out, int index, ObjectNode part) {
        if ("refusal".equals(part.path("type").asText())) {
            event(out, "response.refusal.done", itemEvent().put("content_index", index).put("refusal", part.path("refusal").asText()));
        } else {
            event(out, "response.output_text.done", itemEvent().put("content_index", index).put("text", part.path("text").asText())
                    .set("logprobs", part.has("logprobs") ? part.get("logprobs").deepCopy() : OpenAiJson.MAPPER.createArrayNode()));
        }
        event(out, "response.content_part.done", itemEvent().put("content_index", index).set("part", part.deepCopy()));
    }

    private void summaryAdded(Buffer out, int index) {
        event(out, "response.reasoning_summary_part.added", itemEvent().put("summary_index", index).set("part", summaryPart("")));
    }

    private void summaryDelta(Buffer out, int index, String delta) {
        event(out, "response.reasoning_summary_text.delta", itemEvent().put("summary_index", index).put("delta", delta));
    }

    private void summaryDone(Buffer out, int index, String text) {
        event(out, "response.reasoning_summary_text.done", itemEvent().put("summary_index", index).put("text", text));
        event(out, "response.reasoning_summary_part.done", itemEvent().put("summary_index", index).set("part", summaryPart(text)));
    }

    private void argumentsDelta(Buffer out, String delta) {
        event(out, "response.function_call_arguments.delta", itemEvent().put("delta", delta));
    }

    private void argumentsDone(Buffer out, String name, String arguments) {
        event(out, "response.function_call_arguments.done", itemEvent().put("name", name).put("arguments", arguments));
    }

    /**
     * A stored response replayed as the stream that would have produced it
     * ({@code GET /v1/responses/{id}?stream=true}): response.created and response.in_progress with
     * the response as it stood before any output, each output item with its parts (each part's
     * whole text as one delta), then response.completed, response.incomplete or response.failed
     * after the stored status, carrying the stored response unchanged. Events up to and including
     * sequence number {@code startingAfter} are left out (-1: none), as OpenAI resumes a replay.
     */
    public static Buffer replay(ObjectNode stored, long startingAfter) {
        ObjectNode shell = stored.deepCopy();
        shell.put("status", "in_progress");
        shell.putArray("output");
        shell.putNull("error");
        shell.putNull("incomplete_details");
        shell.putNull("usage");
        Response state = new Response(shell);
        state.skipThrough = startingAfter;
        ResponsesStreamEncoder encoder = new ResponsesStreamEncoder(state);
        Buffer out = Buffer.buffer();
        encoder.start(out);
        JsonNode output = stored.path("output");
        for (int i = 0; i < output.size(); i++) {
            if (output.get(i) instanceof ObjectNode item) {
                encoder.replayItem(out, i, item);
            }
        }
        String status = stored.path("status").asText();
        String type = switch (status) {
            case "failed" -> "response.failed";
            case "incomplete" -> "response.incomplete";
            default -> "response.completed";
        };
        encoder.event(out, type, OpenAiJson.MAPPER.createObjectNode().set("response", stored.deepCopy()));
        return out;
    }

    /** One stored output item: output_item.added with the item still empty, its parts, output_item.done with it whole. */
    private void replayItem(Buffer out, int index, ObjectNode item) {
        String type = item.path("type").asText();
        ObjectNode empty = item.deepCopy();
        if (empty.has("status")) {
            empty.put("status", "in_progress");
        }
        switch (type) {
            case "message" -> empty.putArray("content");
            case "reasoning" -> empty.putArray("summary");
            case "function_call" -> empty.put("arguments", "");
            case "mcp_call" -> {
                empty.put("arguments", "").putNull("output").putNull("error");
                empty.put("status", "in_progress");
            }
            case "mcp_list_tools" -> empty.putArray("tools");
            default -> { }
        }
        state.openItem = item;
        state.openIndex = index;
        event(out, "response.output_item.added", OpenAiJson.MAPPER.createObjectNode().put("output_index", index).set("item", empty));
        switch (type) {
            case "message" -> {
                JsonNode content = item.path("content");
                for (int c = 0; c < content.size(); c++) {
                    if (!(content.get(c) instanceof ObjectNode part)) {
                        continue;
                    }
                    boolean refusal = "refusal".equals(part.path("type").asText());
                    String field = refusal ? "refusal" : "text";
                    String text = part.path(field).asText();
                    partAdded(out, c, part.deepCopy().put(field, ""));
                    if (!text.isEmpty()) {
                        if (refusal) {
                            event(out, "response.refusal.delta", itemEvent().put("content_index", c).put("delta", text));
                        } else {
                            textDelta(out, c, text);
                        }
                    }
                    partDone(out, c, part);
                }
            }
            case "reasoning" -> {
                JsonNode summary = item.path("summary");
                for (int s = 0; s < summary.size(); s++) {
                    String text = summary.get(s).path("text").asText();
                    summaryAdded(out, s);
                    if (!text.isEmpty()) {
                        summaryDelta(out, s, text);
                    }
                    summaryDone(out, s, text);
                }
            }
            case "function_call" -> {
                String arguments = item.path("arguments").asText();
                if (!arguments.isEmpty()) {
                    argumentsDelta(out, arguments);
                }
                argumentsDone(out, item.path("name").asText(), arguments);
            }
            // The gateway's MCP tool loop: OpenAI's events for a tool listing and a tool call.
            case "mcp_list_tools" -> {
                event(out, "response.mcp_list_tools.in_progress", itemEvent());
                event(out, item.hasNonNull("error") ? "response.mcp_list_tools.failed" : "response.mcp_list_tools.completed", itemEvent());
            }
            case "mcp_call" -> {
                event(out, "response.mcp_call.in_progress", itemEvent());
                String arguments = item.path("arguments").asText();
                event(out, "response.mcp_call_arguments.delta", itemEvent().put("delta", arguments));
                event(out, "response.mcp_call_arguments.done", itemEvent().put("arguments", arguments));
                event(out, "failed".equals(item.path("status").asText()) ? "response.mcp_call.failed" : "response.mcp_call.completed",
                        itemEvent());
            }
            default -> { }
        }
        event(out, "response.output_item.done", OpenAiJson.MAPPER.createObjectNode().put("output_index", index).set("item", item.deepCopy()));
        state.openItem = null;
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
        int sequence = state.sequence++;
        event.put("sequence_number", sequence);
        if (sequence <= state.skipThrough) {
            return; // a replay resumed after this event
        }
        try {
            out.appendString("event: " + type + "\ndata: ", "US-ASCII");
            out.appendBytes(OpenAiJson.MAPPER.writeValueAsBytes(event));
            out.appendBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
