package dev.gatehouse.api.rag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.BodyBytes;
import dev.gatehouse.api.Ingress;
import dev.gatehouse.api.Loopback;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.rag.ChunkIndex;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code file_search} tool on {@code /v1/chat/completions} and {@code /v1/responses}, for every
 * model and provider: {@code "tools": [{"type": "file_search", "vector_store_ids": ["vs_..."]}]}. The gateway checks
 * each store id against the caller's team (an id that is not its own is a 404, never searched),
 * searches them with the conversation's last user message, gives the model the excerpts (numbered,
 * to cite as {@code [1]}) in a system message, and sends the request on as the caller, so the
 * round is routed, translated, limited, budgeted and logged like any chat. Only the ids in the
 * request are searched; the model never names a store.
 *
 * <p>Chat completions get the citations beside the answer: in {@code gatehouse_file_search} of a
 * whole answer, and as an SSE comment line ({@code : gatehouse-file-search {...}}) before a stream,
 * which clients ignore. They carry ids, names, scores and offsets, never the excerpts' text. The
 * Responses API gets OpenAI's shapes: a {@code file_search_call} output item and
 * {@code file_citation} annotations on the text where the model cites an excerpt.
 */
public final class FileSearchTool {
    private static final byte[] NEEDLE = "\"file_search\"".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_STORES = 10;
    private static final long IDLE_TIMEOUT_MILLIS = 600_000;

    private final StoreSearch search;
    private final Loopback loopback;

    public FileSearchTool(StoreSearch search, Loopback loopback) {
        this.search = search;
        this.loopback = loopback;
    }

    /** The handoff for a chat body with a file_search tool, or null (the usual path, untouched): a byte search first. */
    public Ingress.Handoff chat(Buffer body) {
        ObjectNode request = parsed(body);
        int index = request == null ? -1 : toolIndex(request);
        if (index == -2) {
            return (call, response) -> Future.failedFuture(twoTools());
        }
        if (index < 0) {
            return null;
        }
        return (call, response) -> search(call, request, index, lastUserText(request.path("messages")), "messages")
                .compose(found -> askChat(call, response, withExcerpts(request, index, found.hits()), found.citations()));
    }

    /** A Responses body with a file_search tool: the body without it (to decode as usual) and its handoff. */
    public record Prepared(Buffer withoutTool, Ingress.Handoff handoff) {}

    /** The file_search preparation of a Responses body, or null when it has no such tool. */
    public Prepared responses(Buffer body) {
        ObjectNode request = parsed(body);
        int index = request == null ? -1 : toolIndex(request);
        if (index == -2) {
            throw twoTools();
        }
        if (index < 0) {
            return null;
        }
        ObjectNode without = request.deepCopy();
        ((ArrayNode) without.get("tools")).remove(index);
        Ingress.Handoff handoff = (call, response) -> search(call, request, index, lastUserInput(request.get("input")), "input")
                .compose(found -> askResponses(call, response, withInstructions(without, found.hits()), found));
        return new Prepared(Buffer.buffer(without.toString()), handoff);
    }

    private static ObjectNode parsed(Buffer body) {
        if (!BodyBytes.contains(body, NEEDLE)) {
            return null;
        }
        try {
            return OpenAiJson.MAPPER.readTree(body.getBytes()) instanceof ObjectNode o ? o : null;
        } catch (Exception e) {
            return null; // the ordinary path reports the bad body
        }
    }

    /** The index of the file_search tool; -1: none, -2: more than one. */
    private static int toolIndex(ObjectNode request) {
        int at = -1;
        JsonNode tools = request.path("tools");
        for (int i = 0; i < tools.size(); i++) {
            if ("file_search".equals(tools.get(i).path("type").asText(null))) {
                if (at >= 0) {
                    return -2;
                }
                at = i;
            }
        }
        return at;
    }

    private static GatewayException twoTools() {
        return GatewayException.invalid("Send one file_search tool; list every store in its 'vector_store_ids'.", "tools");
    }

    /** What one search found: the hits, and the citations object that names them. */
    record Found(String query, List<ChunkIndex.Hit> hits, ObjectNode citations) {}

    private Future<Found> search(Call call, ObjectNode request, int index, String query, String queryParam) {
        String prefix = "tools[" + index + "].";
        JsonNode tool = request.get("tools").get(index);
        List<String> ids = new ArrayList<>();
        JsonNode given = tool.get("vector_store_ids");
        if (given == null || !given.isArray() || given.isEmpty() || given.size() > MAX_STORES) {
            return Future.failedFuture(GatewayException.invalid("Invalid '" + prefix + "vector_store_ids': expected an array of 1 to "
                    + MAX_STORES + " vector store ids.", prefix + "vector_store_ids"));
        }
        for (JsonNode id : given) {
            if (!id.isTextual()) {
                return Future.failedFuture(GatewayException.invalid("Invalid '" + prefix + "vector_store_ids': every id must be a"
                        + " string.", prefix + "vector_store_ids"));
            }
            ids.add(id.asText());
        }
        if (query == null) {
            return Future.failedFuture(GatewayException.invalid("file_search needs a user message with text to search for.",
                    queryParam));
        }
        StoreSearch.Request params;
        String owner;
        try {
            params = StoreSearch.Request.withQuery(tool, prefix, query);
            owner = search.owner(call);
        } catch (GatewayException e) {
            return Future.failedFuture(e);
        }
        Context context = Vertx.currentContext();
        return search.readable(context, call, owner, ids, prefix + "vector_store_ids")
                .compose(stores -> search.run(context, call, stores, params))
                .map(hits -> new Found(query, hits, citations(query, ids, hits)));
    }

    /** The request as the model gets it: the file_search tool taken out, the excerpts in a first system message. */
    private static ObjectNode withExcerpts(ObjectNode original, int index, List<ChunkIndex.Hit> hits) {
        ObjectNode request = original.deepCopy();
        ArrayNode tools = (ArrayNode) request.get("tools");
        tools.remove(index);
        if (tools.isEmpty()) {
            request.remove("tools");
            request.remove("tool_choice");
            request.remove("parallel_tool_calls");
        }
        ArrayNode messages = request.withArray("messages");
        messages.insertObject(0).put("role", "system").put("content", excerpts(hits));
        return request;
    }

    /** The request to the Responses API: the excerpts after the caller's own instructions. */
    private static ObjectNode withInstructions(ObjectNode without, List<ChunkIndex.Hit> hits) {
        ObjectNode request = without.deepCopy();
        if (request.path("tools").isEmpty()) {
            request.remove("tools");
            request.remove("tool_choice");
            request.remove("parallel_tool_calls");
        }
        String own = request.path("instructions").isTextual() ? request.get("instructions").asText() + "\n\n" : "";
        request.put("instructions", own + excerpts(hits));
        return request;
    }

    /** The excerpts as the model reads them, numbered for citation. */
    private static String excerpts(List<ChunkIndex.Hit> hits) {
        StringBuilder text = new StringBuilder();
        if (hits.isEmpty()) {
            text.append("A search of the user's files found nothing relevant to the question. Say so if the answer depends on them.");
        } else {
            text.append("Excerpts from the user's files, found by searching them for the question. Use them when relevant and"
                    + " cite each excerpt you use by its number in square brackets, like [1].\n");
            for (int i = 0; i < hits.size(); i++) {
                ChunkIndex.Hit h = hits.get(i);
                text.append("\n[").append(i + 1).append("] ").append(h.filename());
                if (h.page() > 0) {
                    text.append(", page ").append(h.page());
                }
                text.append(":\n").append(h.text()).append('\n');
            }
        }
        return text.toString();
    }

    /** Which excerpt is which: ids, names, scores and offsets (no text), as documented in docs/rag.md. */
    private static ObjectNode citations(String query, List<String> ids, List<ChunkIndex.Hit> hits) {
        ObjectNode o = OpenAiJson.MAPPER.createObjectNode().put("query", query);
        ArrayNode stores = o.putArray("vector_store_ids");
        ids.forEach(stores::add);
        ArrayNode results = o.putArray("results");
        for (int i = 0; i < hits.size(); i++) {
            ChunkIndex.Hit h = hits.get(i);
            ObjectNode r = results.addObject().put("index", i + 1).put("file_id", h.fileId()).put("filename", h.filename())
                    .put("vector_store_id", h.storeId()).put("score", h.score());
            if (h.page() > 0) {
                r.put("page", h.page());
            }
            r.put("start_index", h.start()).put("end_index", h.end());
        }
        return o;
    }

    private Future<Void> askChat(Call call, HttpServerResponse out, ObjectNode request, ObjectNode citations) {
        boolean stream = request.path("stream").asBoolean(false);
        return loopback.send("/v1/chat/completions", Loopback.credentials(call.headers()), Buffer.buffer(request.toString()),
                IDLE_TIMEOUT_MILLIS, response -> stream && response.statusCode() == 200 ? streamed(response, out, citations)
                        : whole(response, out, citations));
    }

    private Future<Void> askResponses(Call call, HttpServerResponse out, ObjectNode request, Found found) {
        boolean stream = request.path("stream").asBoolean(false);
        return loopback.send("/v1/responses", Loopback.credentials(call.headers()), Buffer.buffer(request.toString()),
                IDLE_TIMEOUT_MILLIS, response -> {
                    if (stream && response.statusCode() == 200) {
                        return streamed(response, out, found.citations());
                    }
                    return response.body().compose(body -> {
                        Buffer answer = body;
                        if (response.statusCode() == 200) {
                            try {
                                answer = Buffer.buffer(ResponsesCitations.annotate(
                                        (ObjectNode) OpenAiJson.MAPPER.readTree(body.getBytes()), found.query(), found.hits()).toString());
                            } catch (Exception e) {
                                // not JSON: passed on as it came
                            }
                        }
                        out.setStatusCode(response.statusCode()).putHeader("content-type", "application/json")
                                .putHeader("x-gatehouse-file-search-results", Integer.toString(found.hits().size()));
                        return out.end(answer);
                    });
                });
    }

    private static Future<Void> whole(HttpClientResponse response, HttpServerResponse out, ObjectNode citations) {
        return response.body().compose(body -> {
            Buffer answer = body;
            if (response.statusCode() == 200) {
                try {
                    ObjectNode json = (ObjectNode) OpenAiJson.MAPPER.readTree(body.getBytes());
                    json.set("gatehouse_file_search", citations);
                    answer = Buffer.buffer(json.toString());
                } catch (Exception e) {
                    // not JSON: passed on as it came
                }
            }
            out.setStatusCode(response.statusCode()).putHeader("content-type", "application/json")
                    .putHeader("x-gatehouse-file-search-results", Integer.toString(citations.path("results").size()));
            return out.end(answer);
        });
    }

    private static Future<Void> streamed(HttpClientResponse response, HttpServerResponse out, ObjectNode citations) {
        out.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache")
                .putHeader("x-gatehouse-file-search-results", Integer.toString(citations.path("results").size()));
        out.write(": gatehouse-file-search " + citations + "\n\n");
        return response.pipeTo(out);
    }

    /** The text of the last user message of a Responses {@code input} (a string, or items), or null. */
    static String lastUserInput(JsonNode input) {
        if (input == null) {
            return null;
        }
        if (input.isTextual()) {
            return input.asText().isBlank() ? null : input.asText();
        }
        for (int i = input.size() - 1; i >= 0; i--) {
            JsonNode item = input.get(i);
            if (!"user".equals(item.path("role").asText()) || !"message".equals(item.path("type").asText("message"))) {
                continue;
            }
            JsonNode content = item.path("content");
            if (content.isTextual()) {
                return content.asText().isBlank() ? null : content.asText();
            }
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if ("input_text".equals(part.path("type").asText()) && part.path("text").isTextual()) {
                    text.append(text.isEmpty() ? "" : "\n").append(part.get("text").asText());
                }
            }
            return text.isEmpty() ? null : text.toString();
        }
        return null;
    }

    /** The text of the conversation's last user message, or null. */
    static String lastUserText(JsonNode messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode m = messages.get(i);
            if (!"user".equals(m.path("role").asText())) {
                continue;
            }
            JsonNode content = m.path("content");
            if (content.isTextual()) {
                return content.asText().isBlank() ? null : content.asText();
            }
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if ("text".equals(part.path("type").asText()) && part.path("text").isTextual()) {
                    text.append(text.isEmpty() ? "" : "\n").append(part.get("text").asText());
                }
            }
            return text.isEmpty() ? null : text.toString();
        }
        return null;
    }
}
