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
import dev.gatehouse.dialect.openai.RerankBody;
import dev.gatehouse.gateway.Gateway;
import dev.gatehouse.http.ErrorWriter;
import dev.gatehouse.pricing.ModelPrice;
import dev.gatehouse.pricing.Pricing;
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
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The OpenAI-compatible caller API: {@code /v1/chat/completions}, {@code /v1/embeddings},
 * {@code /v1/rerank} (Cohere/Jina shape), {@code /v1/models}: routes and body scanners; the shared {@link Ingress} admits, reads and
 * dispatches, and renders errors in OpenAI's shape.
 */
public final class OpenAiApi {
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

    private final Gateway gateway;
    private final Ingress ingress;
    private final long createdEpochSeconds = System.currentTimeMillis() / 1000;
    private ToolLoop toolLoop;
    private Supplier<Pricing> pricing = () -> null;
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
            router.post(prefix + "/rerank").handler(this::rerank);
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

    /** Where {@code /v1/models} reads each model's context window and longest answer (the pricing catalogue). */
    public OpenAiApi pricing(Supplier<Pricing> pricing) {
        this.pricing = pricing;
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

    /** {@code POST /v1/rerank} in the Cohere/Jina shape, routed to a model of type {@code rerank}. */
    private void rerank(RoutingContext ctx) {
        ingress.handle(ctx, Endpoint.RERANK, body -> {
            RerankBody parsed = RerankBody.parse(body);
            OpenAiRerankCaller caller = new OpenAiRerankCaller(parsed);
            return new Ingress.Scanned(parsed.request().model(), false, 0, caller, caller::estimate);
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
            Pricing prices = pricing.get();
            for (Route route : gateway.snapshot().routes().routes()) {
                if (Eligibility.listed(call, route.publicName())) {
                    g.writeStartObject();
                    g.writeStringField("id", route.publicName());
                    g.writeStringField("object", "model");
                    g.writeNumberField("created", createdEpochSeconds);
                    g.writeStringField("owned_by", "gatehouse");
                    writeFacts(g, route, prices);
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

    /**
     * What the model accepts and produces, under {@code gatehouse} (OpenAI's model object has no
     * such fields; SDKs keep unknown ones): its type, input and output modalities, the
     * capabilities routers read, and, from the catalogue, its context window and longest answer.
     */
    private static void writeFacts(JsonGenerator g, Route route, Pricing prices) throws IOException {
        boolean vision = route.capabilities().contains("vision");
        List<String> input;
        List<String> output;
        switch (route.type()) {
            case "embedding" -> {
                input = List.of("text");
                output = List.of("embedding");
            }
            case "image" -> {
                input = List.of("text", "image");
                output = List.of("image");
            }
            case "transcription" -> {
                input = List.of("audio");
                output = List.of("text");
            }
            case "speech" -> {
                input = List.of("text");
                output = List.of("audio");
            }
            case "rerank" -> {
                input = List.of("text");
                output = List.of("relevance");
            }
            case "moderation" -> {
                input = List.of("text", "image");
                output = List.of("moderation");
            }
            default -> {
                input = vision ? List.of("text", "image") : List.of("text");
                output = List.of("text");
            }
        }
        g.writeObjectFieldStart("gatehouse");
        g.writeStringField("type", route.type());
        g.writeArrayFieldStart("input");
        for (String m : input) {
            g.writeString(m);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("output");
        for (String m : output) {
            g.writeString(m);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("capabilities");
        for (String c : new java.util.TreeSet<>(route.capabilities())) {
            g.writeString(c);
        }
        g.writeEndArray();
        if (route.router() != null) {
            g.writeBooleanField("router", true);
        } else if (prices != null && !route.targets().isEmpty()) {
            ModelPrice price = prices.price(route.publicName(), route.targets().getFirst().upstreamModel());
            if (price.contextTokens() > 0) {
                g.writeNumberField("context_window", price.contextTokens());
            }
            if (price.maxOutputTokens() > 0) {
                g.writeNumberField("max_output_tokens", price.maxOutputTokens());
            }
        }
        g.writeEndObject();
    }
}
