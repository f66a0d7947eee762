package dev.gatehouse.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.Ingress;
import dev.gatehouse.api.mcp.ResponsesToolLoop;
import dev.gatehouse.api.mcp.ToolLoop;
import dev.gatehouse.api.rag.FileSearchTool;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.dialect.responses.ResponsesErrors;
import dev.gatehouse.dialect.responses.ResponsesRequest;
import dev.gatehouse.dialect.responses.ResponsesRequestDecoder;
import dev.gatehouse.dialect.responses.ResponsesResponseEncoder;
import dev.gatehouse.dialect.responses.ResponsesStreamEncoder;
import dev.gatehouse.gateway.Gateway;
import dev.gatehouse.http.ErrorWriter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The OpenAI Responses API for callers: {@code POST /v1/responses} (streamed or not) on every
 * configured chat model, and the stored responses of the caller's team: {@code GET} and
 * {@code DELETE /v1/responses/{id}}, {@code GET /v1/responses/{id}/input_items}; {@code GET} with
 * {@code stream=true} replays a stored response as its event stream. Errors are
 * OpenAI's. A response is stored unless the caller says {@code store: false} or the call is under
 * zero data retention, in which case nothing is stored and {@code previous_response_id} is refused.
 */
public final class ResponsesApi {
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
    private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
    private static final int MAX_PAGE = 100;

    private final Gateway gateway;
    private final Ingress ingress;
    private final ResponseStore store;
    private ResponsesToolLoop toolLoop;
    private Function<Buffer, FileSearchTool.Prepared> fileSearch = body -> null;

    public ResponsesApi(Gateway gateway, LongSupplier maxBodyBytes, CallListener listener, ResponseStore store) {
        this.gateway = gateway;
        this.ingress = new Ingress(gateway, maxBodyBytes, listener);
        this.store = store;
    }

    /** Mounts the routes with and without the {@code /v1} prefix, as the chat API does. */
    public void mount(Router router) {
        for (String prefix : new String[] {"/v1", ""}) {
            router.post(prefix + "/responses").handler(this::create);
            router.get(prefix + "/responses/:id").handler(this::retrieve);
            router.delete(prefix + "/responses/:id").handler(this::delete);
            router.get(prefix + "/responses/:id/input_items").handler(this::inputItems);
        }
    }

    /**
     * Runs requests that name gateway MCP tools ({@code "type": "mcp"} tools or the
     * {@code x-gatehouse-mcp} header) through the tool loop; null: such tools are refused, as
     * other built-in tools are.
     */
    public ResponsesApi toolLoop(ResponsesToolLoop toolLoop) {
        this.toolLoop = toolLoop;
        return this;
    }

    /** Runs requests with a {@code file_search} tool through the knowledge bases (see {@code api/rag/FileSearchTool}). */
    public ResponsesApi fileSearch(Function<Buffer, FileSearchTool.Prepared> fileSearch) {
        this.fileSearch = fileSearch;
        return this;
    }

    private void create(RoutingContext ctx) {
        ingress.handle(ctx, Endpoint.RESPONSES, (call, sent) -> {
            // A file_search tool: the rest of the request is checked as usual, then the search and the round run apart.
            FileSearchTool.Prepared search = fileSearch.apply(sent);
            Buffer body = search == null ? sent : search.withoutTool();
            ResponsesToolLoop.Plan plan = toolLoop == null ? null : toolLoop.plan(body, ctx.request().getHeader(ToolLoop.HEADER));
            if (plan != null && search != null) {
                throw new GatewayException(ErrorType.INVALID_REQUEST, "A request may use the 'file_search' tool or gateway MCP"
                        + " tools, not both at once; send them in separate requests.", "tools", "unsupported_tool_combination");
            }
            ResponsesRequest request = ResponsesRequestDecoder.decode(plan == null ? body : plan.plainBody());
            if (call.zdr()) {
                if (request.previousResponseId() != null) {
                    throw new GatewayException(ErrorType.INVALID_REQUEST, "'previous_response_id' cannot be used: zero data retention"
                            + " applies to this request, so the gateway stores no responses. Send the whole conversation in 'input'.",
                            "previous_response_id", "zdr_no_store");
                }
                request = request.withoutStore(); // nothing of a ZDR call is written anywhere
            }
            String owner = ResponseStore.owner(call.principal());
            Context context = ctx.vertx().getOrCreateContext();
            ResponsesRequest decoded = request;
            Future<List<JsonNode>> history = request.previousResponseId() == null ? Future.succeededFuture(List.of())
                    : onContext(store.get(owner, request.previousResponseId()), context).map(found -> conversation(found, decoded));
            return history.map(items -> {
                ResponsesCaller caller = new ResponsesCaller(decoded, body, items, decoded.store() ? store : null, owner, context);
                if (plan != null) {
                    ResponsesToolLoop.Store keep = !decoded.store() ? null
                            : (response, toolItems) -> keep(owner, decoded, items, response, toolItems, context);
                    return new Ingress.Scanned(decoded.model(), decoded.stream(), decoded.parameters().maxTokens(), caller,
                            caller::estimateUsage, plan.handoff(keep));
                }
                return new Ingress.Scanned(decoded.model(), decoded.stream(), decoded.parameters().maxTokens(), caller,
                        caller::estimateUsage, search == null ? null : search.handoff());
            });
        }, ResponsesErrors::body);
    }

    /**
     * Stores a response the MCP tool loop assembled. Its conversation holds the tool rounds as the
     * function calls and outputs the model saw (the mcp_call items are the caller's view), so a
     * follow-up turn with previous_response_id replays on any provider.
     */
    private Future<Void> keep(String owner, ResponsesRequest request, List<JsonNode> history, ObjectNode response, ArrayNode toolItems,
            Context context) {
        ArrayNode conversation = OpenAiJson.MAPPER.createArrayNode();
        history.forEach(conversation::add);
        conversation.addAll(request.inputItems());
        conversation.addAll(toolItems);
        response.path("output").forEach(item -> {
            String type = item.path("type").asText();
            if (!type.startsWith("mcp_")) {
                conversation.add(item);
            }
        });
        ResponseStore.Stored row = new ResponseStore.Stored(response.path("id").asText(), owner, response.path("created_at").asLong(
                System.currentTimeMillis() / 1000), request.model(), response, request.inputItems(), conversation);
        return onContext(store.put(row), context).recover(e -> Future.succeededFuture()); // the answer is delivered regardless
    }

    private static List<JsonNode> conversation(Optional<ResponseStore.Stored> found, ResponsesRequest request) {
        if (found.isEmpty()) {
            throw new GatewayException(ErrorType.NOT_FOUND, "Previous response with id '" + request.previousResponseId()
                    + "' not found.", "previous_response_id", "previous_response_not_found");
        }
        List<JsonNode> items = new ArrayList<>();
        found.get().conversation().forEach(items::add);
        return items;
    }

    /**
     * {@code GET /v1/responses/{id}}: the stored response as JSON, or with {@code stream=true} replayed
     * as the event stream that produced it, resumed after {@code starting_after} when given.
     */
    private void retrieve(RoutingContext ctx) {
        boolean stream;
        long startingAfter;
        try {
            stream = flag(ctx.request().getParam("stream"), "stream");
            startingAfter = startingAfter(ctx.request().getParam("starting_after"));
        } catch (GatewayException e) {
            fail(ctx, null, e);
            return;
        }
        if (stream) {
            stored(ctx, EVENT_STREAM, (call, found) -> Future.succeededFuture(
                    ResponsesStreamEncoder.replay((ObjectNode) found.response(), startingAfter)));
        } else {
            stored(ctx, (call, found) -> Future.succeededFuture(ResponsesResponseEncoder.bytes(found.response())));
        }
    }

    private static boolean flag(String value, String param) {
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw GatewayException.invalid("Invalid '" + param + "': expected 'true' or 'false'.", param);
    }

    /** The sequence number a replay resumes after; -1 (replay all) when absent. */
    private static long startingAfter(String value) {
        if (value == null) {
            return -1;
        }
        try {
            long n = Long.parseLong(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw GatewayException.invalid("Invalid 'starting_after': expected a non-negative integer (an event's sequence_number).",
                "starting_after");
    }

    private void delete(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        admitted(ctx, call -> onContext(store.delete(ResponseStore.owner(call.principal()), id), ctx.vertx().getOrCreateContext())
                .map(deleted -> {
                    if (!deleted) {
                        throw notFound(id);
                    }
                    ObjectNode out = OpenAiJson.MAPPER.createObjectNode().put("id", id).put("object", "response").put("deleted", true);
                    return ResponsesResponseEncoder.bytes(out);
                }));
    }

    private void inputItems(RoutingContext ctx) {
        Page page;
        try {
            page = Page.of(ctx);
        } catch (GatewayException e) {
            fail(ctx, null, e);
            return;
        }
        stored(ctx, (call, found) -> Future.succeededFuture(ResponsesResponseEncoder.bytes(page.list(found.inputItems()))));
    }

    /** {@code limit}, {@code order} and {@code after} of a list request, checked. */
    private record Page(int limit, boolean ascending, String after) {
        static Page of(RoutingContext ctx) {
            String limitText = ctx.request().getParam("limit");
            int limit = 20;
            if (limitText != null) {
                try {
                    limit = Integer.parseInt(limitText);
                } catch (NumberFormatException e) {
                    limit = -1;
                }
                if (limit < 1 || limit > MAX_PAGE) {
                    throw GatewayException.invalid("Invalid 'limit': expected an integer between 1 and " + MAX_PAGE + ".", "limit");
                }
            }
            String order = ctx.request().getParam("order");
            if (order != null && !order.equals("asc") && !order.equals("desc")) {
                throw GatewayException.invalid("Invalid 'order': expected 'asc' or 'desc'.", "order");
            }
            return new Page(limit, "asc".equals(order), ctx.request().getParam("after"));
        }

        /** The page as OpenAI lists it: newest first unless {@code order=asc}, continuing after the item {@code after}. */
        ObjectNode list(JsonNode items) {
            List<JsonNode> ordered = new ArrayList<>();
            items.forEach(ordered::add);
            if (!ascending) {
                Collections.reverse(ordered);
            }
            int start = 0;
            if (after != null) {
                start = -1;
                for (int i = 0; i < ordered.size(); i++) {
                    if (after.equals(ordered.get(i).path("id").asText())) {
                        start = i + 1;
                        break;
                    }
                }
                if (start < 0) {
                    throw GatewayException.invalid("Invalid 'after': no input item with id '" + after + "' in this response.", "after");
                }
            }
            int end = Math.min(ordered.size(), start + limit);
            ObjectNode out = OpenAiJson.MAPPER.createObjectNode().put("object", "list");
            ArrayNode data = out.putArray("data");
            ordered.subList(start, end).forEach(data::add);
            out.put("first_id", data.isEmpty() ? null : data.get(0).path("id").asText());
            out.put("last_id", data.isEmpty() ? null : data.get(data.size() - 1).path("id").asText());
            out.put("has_more", end < ordered.size());
            return out;
        }
    }

    private interface Answer {
        Future<Buffer> answer(Call call, ResponseStore.Stored found);
    }

    /** Serves a request about one stored response of the caller's team; another team's id is a 404, as an unknown one. */
    private void stored(RoutingContext ctx, Answer answer) {
        stored(ctx, JSON, answer);
    }

    private void stored(RoutingContext ctx, CharSequence contentType, Answer answer) {
        String id = ctx.pathParam("id");
        admitted(ctx, contentType, call -> onContext(store.get(ResponseStore.owner(call.principal()), id), ctx.vertx().getOrCreateContext())
                .compose(found -> {
                    if (found.isEmpty()) {
                        throw notFound(id);
                    }
                    return answer.answer(call, found.get());
                }));
    }

    private void admitted(RoutingContext ctx, Function<Call, Future<Buffer>> serve) {
        admitted(ctx, JSON, serve);
    }

    private void admitted(RoutingContext ctx, CharSequence contentType, Function<Call, Future<Buffer>> serve) {
        Call call = new Call(ctx.get(ErrorWriter.REQUEST_ID), Endpoint.RESPONSES, ctx.request().headers(), System.nanoTime());
        gateway.admit(call).compose(v -> serve.apply(call)).onComplete(done -> {
            if (done.failed()) {
                fail(ctx, call, done.cause());
                return;
            }
            if (contentType == EVENT_STREAM) {
                ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
            }
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, contentType).end(done.result());
        });
    }

    private static void fail(RoutingContext ctx, Call call, Throwable cause) {
        if (call != null && call.zdr()) {
            ctx.put(ErrorWriter.ZDR, Boolean.TRUE);
        }
        ErrorWriter.write(ctx, cause, ResponsesErrors::body);
    }

    private static GatewayException notFound(String id) {
        return new GatewayException(ErrorType.NOT_FOUND, "Response with id '" + id + "' not found.", null, "not_found");
    }

    /** A database future as a Vert.x future completing on {@code context} (the caller's event loop). */
    private static <T> Future<T> onContext(CompletableFuture<T> work, Context context) {
        Promise<T> promise = Promise.promise();
        work.whenComplete((result, failure) -> context.runOnContext(v -> {
            if (failure != null) {
                promise.fail(failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure);
            } else {
                promise.complete(result);
            }
        }));
        return promise.future();
    }
}
