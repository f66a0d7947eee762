package dev.gatehouse.api.anthropic;


import dev.gatehouse.dialect.anthropic.AnthropicErrors;
import dev.gatehouse.dialect.anthropic.AnthropicRequestDecoder;
import dev.gatehouse.pricing.TokenCounter;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.Futures;
import dev.gatehouse.gateway.Gateway;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.http.BodyReader;
import dev.gatehouse.http.CpuWork;
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
import java.util.function.LongSupplier;

/**
 * The Anthropic Messages API for callers: {@code POST /v1/messages} (streamed or not) and
 * {@code POST /v1/messages/count_tokens}, answered in Anthropic's format, errors included, for any
 * configured model. Requests for models served by an Anthropic upstream pass through as bytes.
 */
public final class AnthropicApi {
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

    private final Gateway gateway;
    private final LongSupplier maxBodyBytes;
    private final CallListener listener;
    /** Tokenizing happens off the event loop (see CpuWork); created with the first count. */
    private volatile CpuWork tokenizing;

    public AnthropicApi(Gateway gateway, LongSupplier maxBodyBytes, CallListener listener) {
        this.gateway = gateway;
        this.maxBodyBytes = maxBodyBytes;
        this.listener = listener;
    }

    public void mount(Router router) {
        router.post("/v1/messages").handler(this::messages);
        router.post("/v1/messages/count_tokens").handler(this::countTokens);
    }

    private void messages(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        String requestId = ctx.get(ErrorWriter.REQUEST_ID);
        response.putHeader("request-id", requestId); // Anthropic SDKs surface this header in errors
        Call call = new Call(requestId, Endpoint.MESSAGES, ctx.request().headers(), System.nanoTime());
        call.clientAddress(ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress());
        Future<Void> result = admitAndRead(call, ctx.request()).compose(body -> {
            call.tags(CallerTags.parse(ctx.request().getHeader(CallerTags.HEADER)));
            AnthropicMessagesScan scan = AnthropicMessagesScan.scan(body, true);
            call.model(scan.model());
            call.stream(scan.stream());
            call.requestSize(body.length(), scan.maxTokens());
            call.captureRequest(body);
            AnthropicMessagesCaller caller = new AnthropicMessagesCaller(scan);
            call.usageEstimate(caller::estimateUsage);
            return gateway.dispatch(call, caller, response);
        });
        result.onComplete(done -> {
            if (done.failed() && !response.headWritten() && !response.closed()) {
                call.applyResponseHeaders(response);
                if (call.zdr()) {
                    ctx.put(ErrorWriter.ZDR, Boolean.TRUE);
                }
                ErrorWriter.write(ctx, done.cause(), AnthropicErrors::body);
            }
            try {
                call.finish(); // settles budgets, releases limits: exactly once, success or not
            } finally {
                listener.completed(call, done.failed() ? done.cause() : null);
            }
        });
    }

    private void countTokens(RoutingContext ctx) {
        String requestId = ctx.get(ErrorWriter.REQUEST_ID);
        ctx.response().putHeader("request-id", requestId);
        Call call = new Call(requestId, Endpoint.COUNT_TOKENS, ctx.request().headers(), System.nanoTime());
        admitAndRead(call, ctx.request()).compose(body -> {
            if (body.length() > CountTokens.MAX_BODY_BYTES) {
                throw CountTokens.tooLarge();
            }
            AnthropicMessagesScan scan = AnthropicMessagesScan.scan(body, false);
            Route route = gateway.snapshot().routes().find(scan.model());
            if (route == null || route.embedding() || !call.principal().mayUseModel(scan.model())) {
                throw new GatewayException(ErrorType.NOT_FOUND, "model: '" + scan.model()
                        + "' is not a chat model you have access to.", "model", "model_not_found");
            }
            ChatRequest request = AnthropicRequestDecoder.decode(body, false);
            return tokenizing(ctx).submit(() -> TokenCounter.count(request));
        }).onComplete(counted -> {
            if (counted.failed()) {
                if (call.zdr()) {
                    ctx.put(ErrorWriter.ZDR, Boolean.TRUE);
                }
                ErrorWriter.write(ctx, counted.cause(), AnthropicErrors::body);
                return;
            }
            // o200k_base counts: exact for OpenAI models, an estimate for everyone else.
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                    .putHeader("x-gatehouse-token-count", "estimate; tokenizer=o200k_base")
                    .end("{\"input_tokens\":" + counted.result() + "}");
        });
    }

    private CpuWork tokenizing(RoutingContext ctx) {
        CpuWork work = tokenizing;
        if (work == null) {
            synchronized (this) {
                if (tokenizing == null) {
                    tokenizing = CpuWork.forRequests(ctx.vertx(), "gatehouse-tokenizer");
                }
                work = tokenizing;
            }
        }
        return work;
    }

    private Future<Buffer> admitAndRead(Call call, HttpServerRequest request) {
        return Futures.compose(gateway.admit(call), v -> {
            String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
            if (type != null && !type.regionMatches(true, 0, "application/json", 0, 16)) {
                return Future.failedFuture(new GatewayException(ErrorType.UNSUPPORTED_MEDIA_TYPE,
                        "Content-Type must be application/json, not '" + type + "'.", null, "unsupported_media_type"));
            }
            return BodyReader.read(request, maxBodyBytes.getAsLong());
        });
    }
}
