package dev.gatehouse.api.openai;



import dev.gatehouse.dialect.openai.OpenAiEmbeddingsScan;
import dev.gatehouse.dialect.openai.OpenAiJson;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.gatehouse.call.Call;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.Futures;
import dev.gatehouse.gateway.Gateway;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.http.BodyReader;
import dev.gatehouse.http.ErrorWriter;
import dev.gatehouse.routing.Route;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.usage.CallerTags;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The OpenAI-compatible caller API: {@code /v1/chat/completions}, {@code /v1/embeddings},
 * {@code /v1/models}. Each handler authenticates from the headers, reads and scans the body,
 * and hands the call to the gateway.
 */
public final class OpenAiApi {
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

    private final Gateway gateway;
    private final LongSupplier maxBodyBytes;
    private final CallListener listener;
    private final long createdEpochSeconds = System.currentTimeMillis() / 1000;

    public OpenAiApi(Gateway gateway, LongSupplier maxBodyBytes, CallListener listener) {
        this.gateway = gateway;
        this.maxBodyBytes = maxBodyBytes;
        this.listener = listener;
    }

    /** Mounts the routes with and without the {@code /v1} prefix (clients differ on the base URL). */
    public void mount(Router router) {
        for (String prefix : new String[] {"/v1", ""}) {
            router.post(prefix + "/chat/completions").handler(this::chatCompletions);
            router.post(prefix + "/embeddings").handler(this::embeddings);
            router.get(prefix + "/models").handler(this::models);
        }
    }

    private void chatCompletions(RoutingContext ctx) {
        handle(ctx, Endpoint.CHAT_COMPLETIONS, body -> {
            OpenAiChatScan scan = OpenAiChatScan.scan(body);
            return new Scanned(scan.model(), scan.stream(), scan.maxTokens(), new OpenAiChatCaller(scan, body));
        });
    }

    private void embeddings(RoutingContext ctx) {
        handle(ctx, Endpoint.EMBEDDINGS, body -> {
            OpenAiEmbeddingsScan scan = OpenAiEmbeddingsScan.scan(body);
            return new Scanned(scan.model(), false, 0, new OpenAiEmbeddingsCaller(scan)); // embeddings produce no output tokens
        });
    }

    private record Scanned(String model, boolean stream, Integer maxTokens, CallerFormat caller) {}

    private void handle(RoutingContext ctx, Endpoint endpoint, Function<Buffer, Scanned> scanner) {
        HttpServerRequest request = ctx.request();
        HttpServerResponse response = ctx.response();
        Call call = new Call(ctx.get(ErrorWriter.REQUEST_ID), endpoint, request.headers(), System.nanoTime());
        call.clientAddress(request.remoteAddress() == null ? null : request.remoteAddress().hostAddress());
        // Futures.compose: the steps before the body are synchronous on the usual path; only
        // reading the body (and what dispatch waits for) takes a Vert.x hop.
        Future<Void> admitted = Futures.compose(gateway.admit(call), v -> {
            call.tags(CallerTags.parse(request.getHeader(CallerTags.HEADER)));
            return requireJson(request);
        });
        Future<Buffer> read = Futures.compose(admitted, v -> BodyReader.read(request, maxBodyBytes.getAsLong()));
        Future<Void> result = Futures.compose(read, body -> {
            Scanned scanned = scanner.apply(body);
            if (scanned.caller() instanceof OpenAiChatCaller chat) {
                call.usageEstimate(chat::estimateUsage);
            }
            call.model(scanned.model());
            call.stream(scanned.stream());
            call.requestSize(body.length(), scanned.maxTokens());
            call.captureRequest(body);
            return gateway.dispatch(call, scanned.caller(), response);
        });
        result.onComplete(done -> {
            if (done.failed() && !response.headWritten() && !response.closed()) {
                call.applyResponseHeaders(response);
                if (call.zdr()) {
                    ctx.put(ErrorWriter.ZDR, Boolean.TRUE);
                }
                ErrorWriter.write(ctx, done.cause());
            }
            try {
                call.finish();
            } finally {
                listener.completed(call, done.failed() ? done.cause() : null);
            }
        });
    }

    private static Future<Void> requireJson(HttpServerRequest request) {
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        // No Content-Type at all is tolerated (the body must still be JSON); a different type is a mistake worth naming.
        if (type != null && !isJson(type)) {
            return Future.failedFuture(new GatewayException(ErrorType.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type must be application/json, not '" + type + "'.", null, "unsupported_media_type"));
        }
        return Future.succeededFuture();
    }

    /**
     * {@code application/json}, optionally with parameters ({@code ; charset=utf-8}). A prefix
     * match alone let {@code application/json-seq} or {@code application/jsonl} through as JSON.
     */
    private static boolean isJson(String type) {
        if (!type.regionMatches(true, 0, "application/json", 0, 16)) {
            return false;
        }
        if (type.length() == 16) {
            return true;
        }
        char next = type.charAt(16);
        return next == ';' || next == ' ' || next == '\t';
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
                if (call.principal().mayUseModel(route.publicName())) {
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
