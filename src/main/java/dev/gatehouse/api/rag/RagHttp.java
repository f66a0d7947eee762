package dev.gatehouse.api.rag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.Ingress;
import dev.gatehouse.api.responses.ResponseStore;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.http.ErrorWriter;
import dev.gatehouse.rag.KnowledgeBases;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

/**
 * What every knowledge-base endpoint shares: the caller admitted (authenticated) as on every
 * endpoint, refused under zero data retention, its owner (team) found, a JSON body read within the
 * size limit, the answer written as JSON, errors in OpenAI's shape.
 */
final class RagHttp {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Ingress ingress;
    private final KnowledgeBases kbs;

    RagHttp(Ingress ingress, KnowledgeBases kbs) {
        this.ingress = ingress;
        this.kbs = kbs;
    }

    /** The work of one request: the admitted call, its owner and its JSON body (null without one). */
    interface Work {
        Future<? extends JsonNode> serve(Call call, String owner, JsonNode body);
    }

    /** Serves a request without a body. */
    void serve(RoutingContext ctx, Endpoint endpoint, Work work) {
        Call call = call(ctx, endpoint);
        respond(ctx, call, ingress.gateway().admit(call).compose(v -> work.serve(call, owner(call, kbs), null)));
    }

    /** Serves a request with a JSON body. */
    void serveJson(RoutingContext ctx, Endpoint endpoint, Work work) {
        Call call = call(ctx, endpoint);
        respond(ctx, call, ingress.admitAndRead(call, ctx.request()).compose(body -> {
            JsonNode json;
            try {
                json = body.length() == 0 ? OpenAiJson.MAPPER.createObjectNode() : OpenAiJson.MAPPER.readTree(body.getBytes());
            } catch (Exception e) {
                throw GatewayException.invalid("The request body is not valid JSON.", null);
            }
            if (!json.isObject()) {
                throw GatewayException.invalid("The request body must be a JSON object.", null);
            }
            return work.serve(call, owner(call, kbs), json);
        }));
    }

    static Call call(RoutingContext ctx, Endpoint endpoint) {
        Call call = new Call(ctx.get(ErrorWriter.REQUEST_ID), endpoint, ctx.request().headers(), System.nanoTime());
        call.clientAddress(ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress());
        return call;
    }

    /**
     * The owner of what this caller creates and may see. Under zero data retention that is an
     * ephemeral owner (memory-only files and stores, a different owner from the same team's usual
     * one) when {@code rag.ephemeral} is enabled, and a 403 otherwise: the gateway keeps no files,
     * chunks or vectors for such traffic.
     */
    static String owner(Call call, KnowledgeBases kbs) {
        if (call.zdr()) {
            if (!kbs.ephemeralEnabled()) {
                throw new GatewayException(ErrorType.PERMISSION, "Zero data retention applies to this key or team: the gateway"
                        + " stores no files or vector stores for it (an operator can enable memory-only ones: rag.ephemeral).",
                        null, "zdr_no_store");
            }
            return KnowledgeBases.EPHEMERAL + ResponseStore.owner(call.principal());
        }
        return ResponseStore.owner(call.principal());
    }

    /** The team that owns what {@code owner} names ("team:<id>"), or null for a key without a team. */
    static String ownerTeam(String owner) {
        return owner.startsWith("team:") ? owner.substring("team:".length()) : null;
    }

    static void respond(RoutingContext ctx, Call call, Future<? extends JsonNode> answer) {
        answer.onComplete(done -> {
            if (done.failed()) {
                fail(ctx, call, done.cause());
                return;
            }
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(Buffer.buffer(done.result().toString()));
        });
    }

    static void fail(RoutingContext ctx, Call call, Throwable cause) {
        if (call != null && call.zdr()) {
            ctx.put(ErrorWriter.ZDR, Boolean.TRUE);
        }
        ErrorWriter.write(ctx, unwrap(cause), OpenAiErrors::body);
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** A CompletableFuture (database, index) as a Vert.x future on the caller's context. */
    static <T> Future<T> on(RoutingContext ctx, CompletableFuture<T> work) {
        return on(ctx.vertx().getOrCreateContext(), work);
    }

    static <T> Future<T> on(Context context, CompletableFuture<T> work) {
        return Future.fromCompletionStage(work, context).recover(e -> Future.failedFuture(unwrap(e)));
    }

    /** A new id: prefix and 24 random hex digits. */
    static String id(String prefix) {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    static ObjectNode deleted(String id, String object) {
        return OpenAiJson.MAPPER.createObjectNode().put("id", id).put("object", object).put("deleted", true);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }
}
