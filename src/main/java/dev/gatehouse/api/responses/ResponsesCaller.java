package dev.gatehouse.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.Continuation;
import dev.gatehouse.api.TranslatedLeg;
import dev.gatehouse.api.TranslatingRelay;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallContent;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.OutputFilter;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.dialect.responses.ResponsesErrors;
import dev.gatehouse.dialect.responses.ResponsesIds;
import dev.gatehouse.dialect.responses.ResponsesRequest;
import dev.gatehouse.dialect.responses.ResponsesRequestDecoder;
import dev.gatehouse.dialect.responses.ResponsesResponseEncoder;
import dev.gatehouse.dialect.responses.ResponsesStreamEncoder;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.pricing.TokenCounter;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.routing.Target;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code POST /v1/responses} request and how to answer it in the Responses format. Targets are
 * reached through the canonical model (chat-completions, Anthropic, Gemini and mock upstreams
 * alike), so a follow-up turn may go to another provider than the turn before: the conversation is
 * rebuilt from the stored items in canonical form each time. The one exception is a request the
 * gateway need not store, to an upstream that serves the Responses API itself: its bytes pass
 * through ({@link ResponsesPassthrough}).
 *
 * <p>When the response is to be stored, it is written in {@link #beforeEnd} — after the answer is
 * whole, before its last bytes (the body, or {@code response.completed}) reach the caller — so a
 * follow-up sent the moment the answer arrives finds it.
 */
final class ResponsesCaller implements CallerFormat, CallContent {
    private static final Logger log = LoggerFactory.getLogger(ResponsesCaller.class);
    /** The longest a store write may hold back the end of an answer. */
    static final long STORE_DEADLINE_MS = 5_000;

    private ResponsesRequest request;
    /** The request as the caller sent it (or as a guardrail masked it), for the passthrough leg. */
    private Buffer body;
    private final List<JsonNode> history;
    private ChatRequest canonical;
    /** The output guardrails' filter, or null: a filtered answer is always translated (the filter reads canonical events). */
    private OutputFilter outputFilter;
    private final String id = ResponsesIds.response();
    private final long createdAt = System.currentTimeMillis() / 1000;
    private final ResponseStore store;
    private final String owner;
    private final Context context;
    /** The whole answer of a non-streamed call, once decoded. */
    private volatile ObjectNode answered;
    /** The streamed response of the last relay, shared with its continuations. */
    private volatile ResponsesStreamEncoder.Response streamed;
    /** What produced a translated answer, for a token estimate when the provider reports no usage. */
    private volatile Object lastAnswer;

    /**
     * @param history the items of the previous response's conversation, oldest first (empty without one)
     * @param store where to keep the response, or null when it is not stored ({@code store: false}, zero data retention)
     */
    ResponsesCaller(ResponsesRequest request, Buffer body, List<JsonNode> history, ResponseStore store, String owner,
            Context context) {
        this.request = request;
        this.body = body;
        this.history = history;
        this.canonical = request.chat(history);
        this.store = store;
        this.owner = owner;
        this.context = context;
    }

    @Override
    public boolean stream() {
        return request.stream();
    }

    /**
     * The caller's bytes to an upstream that serves the Responses API itself when the gateway need
     * not store the answer ({@link ResponsesPassthrough#possible}); else through the canonical model.
     */
    @Override
    public Leg leg(Target target) {
        return outputFilter == null && ResponsesPassthrough.possible(target, request.root(), request.previousResponseId())
                ? new ResponsesPassthrough(target, body, request.stream()) : new Translated(target);
    }

    /** Through the canonical model both ways. */
    private final class Translated extends TranslatedLeg {
        private final Target target;

        Translated(Target target) {
            this.target = target;
        }

        @Override
        public Future<UpstreamRequest> upstreamRequest() {
            try {
                return CallerFormat.translatedChat(target.provider(), canonical, target.upstreamModel(), request.stream());
            } catch (GatewayException e) {
                return Future.failedFuture(e);
            }
        }

        @Override
        protected OutputFilter filter() {
            return outputFilter;
        }

        @Override
        protected ChatResponse decoded(Buffer upstreamBody, Call call) {
            ChatResponse response = target.provider().codec().decodeChat(upstreamBody, canonical);
            call.usage(response.usage());
            return response;
        }

        @Override
        protected Buffer encoded(ChatResponse response) {
            lastAnswer = response;
            // The model the upstream reports answering with, as on every path (docs/api.md).
            ObjectNode out = ResponsesResponseEncoder.encode(request, id, createdAt, response,
                    response.model() != null ? response.model() : target.upstreamModel());
            answered = out;
            return ResponsesResponseEncoder.bytes(out);
        }

        @Override
        public StreamRelay relay() {
            // A fresh response per attempt: bytes of an attempt that failed before answering were never sent.
            ResponsesStreamEncoder.Response state = new ResponsesStreamEncoder.Response(
                    ResponsesResponseEncoder.shell(request, id, createdAt, target.upstreamModel()));
            streamed = state;
            TranslatingRelay relay = new TranslatingRelay(target.provider().codec().streamDecoder(canonical),
                    new ResponsesStreamEncoder(state)).filter(outputFilter);
            lastAnswer = relay;
            return relay;
        }
    }

    @Override
    public boolean canContinue(StreamRelay broken) {
        return Continuation.possible(broken);
    }

    @Override
    public Future<UpstreamRequest> continuationRequest(Target next, StreamRelay broken, boolean prefill) {
        return Continuation.request(canonical, next, broken, prefill);
    }

    @Override
    public StreamRelay continuation(StreamRelay broken, Target next, boolean prefill) {
        StreamRelay relay = Continuation.relay(broken, next, prefill, canonical).filter(outputFilter);
        lastAnswer = relay;
        return relay;
    }

    @Override
    public CallContent content() {
        return this;
    }

    @Override
    public Buffer body() {
        return body;
    }

    /** A guardrail masked text in the request: decode it again so every leg, and the stored input items, carry the masked text. */
    @Override
    public void replaceBody(Buffer rewritten) {
        ResponsesRequest again = ResponsesRequestDecoder.decode(rewritten);
        request = request.store() ? again : again.withoutStore();
        body = rewritten;
        canonical = request.chat(history);
    }

    @Override
    public void filterOutput(OutputFilter filter) {
        this.outputFilter = filter;
    }

    @Override
    public ChatRequest chatRequest() {
        return canonical;
    }

    @Override
    public Buffer errorBody(GatewayException error) {
        return ResponsesErrors.body(error);
    }

    /** Stores the finished response (when asked to) before the answer's last bytes go out. */
    @Override
    public Future<Void> beforeEnd(Call call) {
        if (store == null) {
            return Future.succeededFuture();
        }
        ObjectNode response = answered;
        if (response == null && streamed != null && streamed.ended()) {
            response = streamed.object();
        }
        if (response == null || "failed".equals(response.path("status").asText())) {
            return Future.succeededFuture();
        }
        ArrayNode conversation = OpenAiJson.MAPPER.createArrayNode();
        history.forEach(conversation::add);
        conversation.addAll(request.inputItems());
        conversation.addAll((ArrayNode) response.get("output"));
        ResponseStore.Stored row = new ResponseStore.Stored(id, owner, createdAt, request.model(), response, request.inputItems(),
                conversation);
        Promise<Void> written = Promise.promise();
        long timer = context.owner().setTimer(STORE_DEADLINE_MS, t -> {
            if (written.tryComplete()) {
                log.warn("storing response {} took longer than {} ms; answering without waiting", id, STORE_DEADLINE_MS);
            }
        });
        store.put(row).whenComplete((v, failure) -> context.runOnContext(x -> {
            context.owner().cancelTimer(timer);
            if (failure != null) {
                // The answer is the caller's (and paid for): it is delivered; only the follow-up will miss it.
                log.error("could not store response {}: {}", id, failure.getMessage());
            }
            written.tryComplete();
        }));
        return written.future();
    }

    /**
     * Tokens estimated with jtokkit for an upstream that reported no usage: the decoded prompt and
     * the answer as delivered. Runs once, off the event loop, when the call is settled.
     */
    Usage estimateUsage() {
        Object answer = lastAnswer;
        String text;
        if (answer instanceof TranslatingRelay relay) {
            text = relay.answerText();
        } else if (answer instanceof ChatResponse response) {
            text = TokenCounter.answerText(response);
        } else {
            return null;
        }
        return Usage.of(TokenCounter.count(canonical), TokenCounter.text(text));
    }
}
