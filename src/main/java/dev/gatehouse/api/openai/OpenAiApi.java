package dev.gatehouse.api.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.gatehouse.api.Ingress;
import dev.gatehouse.api.mcp.ToolLoop;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsScan;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.gateway.Gateway;
import dev.gatehouse.http.ErrorWriter;
import dev.gatehouse.routing.Eligibility;
import dev.gatehouse.routing.Route;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.LongSupplier;

/**
 * The OpenAI-compatible caller API: {@code /v1/chat/completions}, {@code /v1/embeddings},
 * {@code /v1/models}: routes and body scanners; the shared {@link Ingress} admits, reads and
 * dispatches, and renders errors in OpenAI's shape.
 */
public final class OpenAiApi {
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

    private final Gateway gateway;
    private final Ingress ingress;
    private final long createdEpochSeconds = System.currentTimeMillis() / 1000;
    private ToolLoop toolLoop;
    /** The file_search handoff for a chat body, or null for the usual path (see {@link #fileSearch}). */
    private Function<Buffer, Ingress.Handoff> fileSearch = body -> null;

    public OpenAiApi(Gateway gateway, LongSupplier maxBodyBytes, CallListener listener) {
        this.gateway = gateway;
        this.ingress = new Ingress(gateway, maxBodyBytes, listener);
    }

    /** Mounts the routes with and without the {@code /v1} prefix (clients differ on the base URL). */
    public void mount(Router router) {
        for (String prefix : new String[] {"/v1", ""}) {
            router.post(prefix + "/chat/completions").handler(this::chatCompletions);
            router.post(prefix + "/embeddings").handler(this::embeddings);
            router.get(prefix + "/models").handler(this::models);
        }
    }

    /**
     * Runs chat requests that name gateway MCP tools ({@code "type": "mcp"} tools or the
     * {@code x-gatehouse-mcp} header) through the tool loop; null: such tools are not offered.
     */
    public OpenAiApi toolLoop(ToolLoop toolLoop) {
        this.toolLoop = toolLoop;
        return this;
    }

    /** Runs chat requests with a {@code file_search} tool through the knowledge bases' handoff. */
    public OpenAiApi fileSearch(Function<Buffer, Ingress.Handoff> handoff) {
        this.fileSearch = handoff;
        return this;
    }

    private void chatCompletions(RoutingContext ctx) {
        ingress.handle(ctx, Endpoint.CHAT_COMPLETIONS, body -> {
            OpenAiChatScan scan = OpenAiChatScan.scan(body);
            OpenAiChatCaller caller = new OpenAiChatCaller(scan, body);
            Ingress.Handoff handoff = toolLoop == null ? null : toolLoop.handoff(body, ctx.request().getHeader(ToolLoop.HEADER));
            if (handoff == null) {
                handoff = fileSearch.apply(body);
            }
            return new Ingress.Scanned(scan.model(), scan.stream(), scan.maxTokens(), caller, caller::estimateUsage, handoff);
        }, OpenAiErrors::body);
    }

    private void embeddings(RoutingContext ctx) {
        ingress.handle(ctx, Endpoint.EMBEDDINGS, body -> {
            OpenAiEmbeddingsScan scan = OpenAiEmbeddingsScan.scan(body);
            // embeddings produce no output tokens
            return new Ingress.Scanned(scan.model(), false, 0, new OpenAiEmbeddingsCaller(scan), null);
        }, OpenAiErrors::body);
    }

    private void models(RoutingContext ctx) {
        Call call = new Call(ctx.get(ErrorWriter.REQUEST_ID), Endpoint.MODELS, ctx.request().headers(), System.nanoTime());
        gateway.admit(call).onComplete(admitted -> {
            if (admitted.failed()) {
                ErrorWriter.write(ctx, admitted.cause());
                return;
            }
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(modelList(call));
        });
    }

    private Buffer modelList(Call call) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = OpenAiJson.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (Route route : gateway.snapshot().routes().routes()) {
                if (Eligibility.listed(call, route.publicName())) {
                    g.writeStartObject();
                    g.writeStringField("id", route.publicName());
                    g.writeStringField("object", "model");
                    g.writeNumberField("created", createdEpochSeconds);
                    g.writeStringField("owned_by", "gatehouse");
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }
}
