package dev.gatehouse.api.rag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Function;

/** {@code limit}, {@code order} and {@code after} of a list request, checked as OpenAI does (limit 1–100, default 20; newest first). */
record ListParams(int limit, boolean ascending, String after) {
    static final int MAX = 100;

    static ListParams of(RoutingContext ctx) {
        return of(ctx, MAX);
    }

    static ListParams of(RoutingContext ctx, int max) {
        String limitText = ctx.request().getParam("limit");
        int limit = Math.min(20, max);
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > max) {
                throw GatewayException.invalid("Invalid 'limit': expected an integer between 1 and " + max + ".", "limit");
            }
        }
        String order = ctx.request().getParam("order");
        if (order != null && !order.equals("asc") && !order.equals("desc")) {
            throw GatewayException.invalid("Invalid 'order': expected 'asc' or 'desc'.", "order");
        }
        if (ctx.request().getParam("before") != null) {
            throw GatewayException.invalid("'before' is not supported: page forward with 'after'.", "before");
        }
        return new ListParams(limit, "asc".equals(order), ctx.request().getParam("after"));
    }

    /** A list object: {@code data}, {@code first_id}, {@code last_id}, {@code has_more}. */
    static <T> ObjectNode list(List<T> rows, boolean hasMore, Function<T, JsonNode> render) {
        ObjectNode out = OpenAiJson.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        rows.forEach(r -> data.add(render.apply(r)));
        out.put("first_id", data.isEmpty() ? null : data.get(0).path("id").asText());
        out.put("last_id", data.isEmpty() ? null : data.get(data.size() - 1).path("id").asText());
        out.put("has_more", hasMore);
        return out;
    }
}
