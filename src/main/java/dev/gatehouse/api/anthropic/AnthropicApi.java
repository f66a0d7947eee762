package dev.gatehouse.api.anthropic;

import dev.gatehouse.api.Ingress;
import dev.gatehouse.api.mcp.MessagesToolLoop;
import dev.gatehouse.api.mcp.ToolLoop;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.dialect.anthropic.AnthropicErrors;
import dev.gatehouse.dialect.anthropic.AnthropicRequestDecoder;
import dev.gatehouse.gateway.Gateway;
import dev.gatehouse.http.CpuWork;
import dev.gatehouse.http.ErrorWriter;
import dev.gatehouse.pricing.TokenCounter;
import dev.gatehouse.routing.Eligibility;
import dev.gatehouse.routing.Route;
import io.vertx.core.http.HttpHeaders;
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
    private final Ingress ingress;
    /** Tokenizing happens off the event loop (see CpuWork); created with the first count. */
    private volatile CpuWork tokenizing;
    private MessagesToolLoop toolLoop;

    public AnthropicApi(Gateway gateway, LongSupplier maxBodyBytes, CallListener listener) {
        this.gateway = gateway;
        this.ingress = new Ingress(gateway, maxBodyBytes, listener);
    }

    /**
     * Runs requests that name gateway MCP servers (the MCP connector's {@code mcp_servers}, or the
     * {@code x-gatehouse-mcp} header) through the tool loop; null: such fields are not acted on.
     */
    public AnthropicApi toolLoop(MessagesToolLoop toolLoop) {
        this.toolLoop = toolLoop;
        return this;
    }

    public void mount(Router router) {
        router.post("/v1/messages").handler(this::messages);
        router.post("/v1/messages/count_tokens").handler(this::countTokens);
    }

    private void messages(RoutingContext ctx) {
        ctx.response().putHeader("request-id", (String) ctx.get(ErrorWriter.REQUEST_ID)); // Anthropic SDKs surface this header in errors
        ingress.handle(ctx, Endpoint.MESSAGES, body -> {
            MessagesToolLoop.Plan plan = toolLoop == null ? null : toolLoop.plan(body, ctx.request().getHeader(ToolLoop.HEADER));
            AnthropicMessagesScan scan = AnthropicMessagesScan.scan(plan == null ? body : plan.plainBody(), true);
            AnthropicMessagesCaller caller = new AnthropicMessagesCaller(scan);
            return new Ingress.Scanned(scan.model(), scan.stream(), scan.maxTokens(), caller, caller::estimateUsage,
                    plan == null ? null : plan.handoff());
        }, AnthropicErrors::body);
    }

    private void countTokens(RoutingContext ctx) {
        String requestId = ctx.get(ErrorWriter.REQUEST_ID);
        ctx.response().putHeader("request-id", requestId);
        Call call = new Call(requestId, Endpoint.COUNT_TOKENS, ctx.request().headers(), System.nanoTime());
        ingress.admitAndRead(call, ctx.request()).compose(body -> {
            if (body.length() > CountTokens.MAX_BODY_BYTES) {
                throw CountTokens.tooLarge();
            }
            AnthropicMessagesScan scan = AnthropicMessagesScan.scan(body, false);
            Route route = gateway.snapshot().routes().find(scan.model());
            if (!Eligibility.model(call, scan.model(), route).allowed()) { // exists, allowed, a chat model
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
}
