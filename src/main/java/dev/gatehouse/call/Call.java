package dev.gatehouse.call;

import dev.gatehouse.call.Principal;
import dev.gatehouse.canonical.Usage;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One caller request on its way through the gateway: what came in, who sent it, and what
 * happened to it. Created by the caller API, filled in by stages and the executor, read by the
 * usage accounting at the end. Confined to one event loop, so not thread-safe by design.
 */
public final class Call {
    private final String requestId;
    private final long startNanos;
    private final Endpoint endpoint;
    private final MultiMap headers;
    private Principal principal;
    private String model;
    private boolean stream;
    private final List<Attempt> attempts = new ArrayList<>(2);
    private Usage usage;
    private long firstByteNanos;
    /**
     * Stage headers as name, value, name, value...: a plain list, since a case-insensitive
     * MultiMap hashed and validated every name twice (here and again on the response).
     */
    private List<CharSequence> responseHeaders;
    private List<Runnable> finishers;
    private boolean completed;
    private List<Consumer<Settlement>> settledConsumers;
    private Settlement settlement;
    private long endNanos;
    private long requestBytes;
    private Integer maxOutputTokens;
    private String routeReason;
    private boolean zdr;
    private CallTrace trace;
    /** When each attempt ended (System.nanoTime), parallel to {@link #attempts}: spans need start and end. */
    private long[] attemptEnds = new long[2];
    private String clientAddress;
    private Supplier<Usage> usageEstimate;
    private Map<String, String> tags = Map.of();
    private boolean storeBodies;
    private Buffer requestBody;
    private Buffer responseBody;
    private boolean bodyTruncated;
    private String cacheStatus;
    private boolean answerFiltered;
    private Usage cacheSaved;
    private String cacheModel;
    private long cacheSavedMicros;
    private CallContent content;
    private boolean responseWithheld;
    private List<GuardrailVerdict> guardrails;
    private volatile MediaUnits media;

    /** Most bytes of each body kept for the request log; longer bodies are cut and flagged truncated. */
    public static final int MAX_STORED_BODY = 1 << 20;

    public Call(String requestId, Endpoint endpoint, MultiMap headers, long startNanos) {
        this.requestId = requestId;
        this.endpoint = endpoint;
        this.headers = headers;
        this.startNanos = startNanos;
    }

    /** One try at one target, recorded for logs and accounting. */
    public record Attempt(String provider, String upstreamModel, int status, String errorClass, long durationNanos) {}

    public String requestId() { return requestId; }

    public long startNanos() { return startNanos; }

    public Endpoint endpoint() { return endpoint; }

    public MultiMap headers() { return headers; }

    public Principal principal() { return principal; }

    public void principal(Principal principal) { this.principal = principal; }

    /** The public model name the caller asked for. */
    public String model() { return model; }

    public void model(String model) { this.model = model; }

    public boolean stream() { return stream; }

    public void stream(boolean stream) { this.stream = stream; }

    public List<Attempt> attempts() { return attempts; }

    public void addAttempt(Attempt attempt) {
        if (attempts.size() == attemptEnds.length) {
            attemptEnds = Arrays.copyOf(attemptEnds, attemptEnds.length * 2);
        }
        attemptEnds[attempts.size()] = System.nanoTime();
        attempts.add(attempt);
    }

    /** When attempt {@code index} ended ({@link System#nanoTime}); it started {@code durationNanos} before. */
    public long attemptEndNanos(int index) { return attemptEnds[index]; }

    /**
     * Zero data retention: no prompt or answer content of this call may be written anywhere (logs,
     * traces, request log, caches, spool) and only targets marked {@code zdr: true} may serve it.
     * Set once the caller is authenticated.
     */
    public boolean zdr() { return zdr; }

    public void zdr(boolean zdr) { this.zdr = zdr; }

    /** The call's trace, or null when tracing is off. */
    public CallTrace trace() { return trace; }

    public void trace(CallTrace trace) { this.trace = trace; }

    public Usage usage() { return usage; }

    public void usage(Usage usage) { this.usage = usage; }

    public long firstByteNanos() { return firstByteNanos; }

    /** Size of the request body in bytes: the basis of input-token estimates for limits and budgets. */
    public long requestBytes() { return requestBytes; }

    /** The caller's output cap ({@code max_completion_tokens}/{@code max_tokens}), null when not set; 0 for embeddings. */
    public Integer maxOutputTokens() { return maxOutputTokens; }

    /** Set by the caller API once the body is scanned, before the model-aware stages run. */
    public void requestSize(long bodyBytes, Integer maxOutputTokens) {
        this.requestBytes = bodyBytes;
        this.maxOutputTokens = maxOutputTokens;
    }

    /** What a media call (images, audio) is billed by, or null for token-billed calls. */
    public MediaUnits media() { return media; }

    /** Set by a media caller from the request (for the budget's reservation) and again from the answer. */
    public void media(MediaUnits media) { this.media = media; }

    /** The attempt that produced the answer (the model that actually answered), or null when none did. */
    public Attempt answeringAttempt() {
        for (int i = attempts.size() - 1; i >= 0; i--) {
            Attempt a = attempts.get(i);
            if (a.status() >= 200 && a.status() < 300) {
                return a;
            }
        }
        return null;
    }

    /** Headers stages want on the response (e.g. {@code x-ratelimit-*}), success or error. */
    public void responseHeader(CharSequence name, String value) {
        if (responseHeaders == null) {
            responseHeaders = new ArrayList<>(12);
        }
        responseHeaders.add(name);
        responseHeaders.add(value);
    }

    /** Copies the stages' headers onto a response about to be written (a later value for a name replaces an earlier one). */
    public void applyResponseHeaders(HttpServerResponse response) {
        if (responseHeaders != null) {
            for (int i = 0; i < responseHeaders.size(); i += 2) {
                response.putHeader(responseHeaders.get(i), responseHeaders.get(i + 1));
            }
        }
    }

    /**
     * Registers work to run exactly once when the call ends, successful or not: settling a
     * budget reservation, releasing a concurrency slot, correcting a token estimate.
     */
    public void onFinish(Runnable finisher) {
        if (finishers == null) {
            finishers = new ArrayList<>(2);
        }
        finishers.add(finisher);
    }

    /** Runs the finishers (once); called by the caller API when the response has ended. */
    public void finish() {
        if (completed) {
            return;
        }
        completed = true;
        endNanos = System.nanoTime();
        if (finishers != null) {
            for (Runnable finisher : finishers) {
                finisher.run();
            }
        }
    }

    /**
     * Registers work that needs the call's final usage and cost, run once when the call is settled
     * (see {@link #settle}): settling a budget reservation, correcting a token estimate. Usually on
     * the event loop right after {@link #finish}; when the tokens had to be estimated, later, on
     * the thread that estimated them.
     */
    public void onSettled(Consumer<Settlement> consumer) {
        if (settledConsumers == null) {
            settledConsumers = new ArrayList<>(2);
        }
        settledConsumers.add(consumer);
    }

    /**
     * Fixes the call's final usage and cost (once; later calls are ignored) and hands it to every
     * {@link #onSettled} consumer. Called by the settlement when the call has ended.
     */
    public void settle(Settlement settlement) {
        if (this.settlement != null) {
            return;
        }
        this.settlement = settlement;
        if (settledConsumers != null) {
            RuntimeException failed = null;
            for (Consumer<Settlement> consumer : settledConsumers) {
                try {
                    consumer.accept(settlement);
                } catch (RuntimeException e) { // one consumer failing must not keep the others from settling
                    failed = e;
                }
            }
            if (failed != null) {
                throw failed;
            }
        }
    }

    /**
     * When the call ended ({@link System#nanoTime} at {@link #finish}), 0 before: its latency for
     * those told after a usage estimate, which may come a little later.
     */
    public long endNanos() { return endNanos; }

    /** The call's final usage and cost, or null before it is settled. */
    public Settlement settlement() { return settlement; }

    public void markFirstByte() {
        if (firstByteNanos == 0) {
            firstByteNanos = System.nanoTime();
        }
    }

    /**
     * Why the router planned the targets it did (strategy, targets skipped and why, a last
     * resort), e.g. {@code strategy=least-latency; skipped=openai/gpt-4o (circuit open)}; null
     * before routing. Meant for the {@code x-gatehouse-route} response header and the logs.
     */
    public String routeReason() { return routeReason; }

    public void routeReason(String routeReason) { this.routeReason = routeReason; }

    /** The caller's IP address as the gateway saw it (no proxy headers are trusted), or null. */
    public String clientAddress() { return clientAddress; }

    public void clientAddress(String clientAddress) { this.clientAddress = clientAddress; }

    /** Caller tags from the {@code x-gatehouse-metadata} header (validated), empty when none. */
    public Map<String, String> tags() { return tags; }

    public void tags(Map<String, String> tags) { this.tags = Map.copyOf(tags); }

    /**
     * How to estimate this call's tokens with a tokenizer when the provider reports no usage; set
     * by the caller format, evaluated at most once, off the event loop, by the settlement only when
     * {@link #usage()} stayed null. Null when the format cannot estimate.
     */
    public Supplier<Usage> usageEstimate() { return usageEstimate; }

    public void usageEstimate(Supplier<Usage> usageEstimate) { this.usageEstimate = usageEstimate; }

    /**
     * Whether this call's request and response bodies go to the request log: set at admission
     * when the principal's team is listed under {@code request-log.bodies.teams} and the call is
     * not zero-data-retention. When false (the default) nothing is captured or retained.
     */
    public boolean storeBodies() { return storeBodies && !zdr; }

    public void storeBodies(boolean storeBodies) { this.storeBodies = storeBodies; }

    /** Keeps the request body for the request log, when {@link #storeBodies()}; otherwise does nothing. */
    public void captureRequest(Buffer body) {
        if (storeBodies()) {
            if (body.length() > MAX_STORED_BODY) {
                bodyTruncated = true;
                requestBody = body.getBuffer(0, MAX_STORED_BODY);
            } else {
                requestBody = body;
            }
        }
    }

    /** Appends bytes sent to the caller, when {@link #storeBodies()} (up to the cap); otherwise does nothing. */
    public void captureResponse(Buffer bytes) {
        if (!storeBodies() || bytes == null || responseWithheld) {
            return;
        }
        if (responseBody == null) {
            responseBody = Buffer.buffer();
        }
        int room = MAX_STORED_BODY - responseBody.length();
        if (bytes.length() > room) {
            bodyTruncated = true;
            if (room > 0) {
                responseBody.appendBuffer(bytes, 0, room);
            }
        } else {
            responseBody.appendBuffer(bytes);
        }
    }

    /** Forgets the response bytes kept so far (an answer in which a guardrail found values that must not be stored). */
    public void dropCapturedResponse() {
        responseWithheld = true;
        if (storeBodies()) {
            responseBody = Buffer.buffer("[withheld: a guardrail found sensitive values in this answer]");
        }
    }

    /** The request's content, for stages that read or rewrite it (guardrails); null when the format offers none. */
    public CallContent content() { return content; }

    public void content(CallContent content) { this.content = content; }

    /** Records a guardrail's verdict (see {@link GuardrailVerdict}). */
    public void guardrailVerdict(GuardrailVerdict verdict) {
        if (guardrails == null) {
            guardrails = new ArrayList<>(4);
        }
        guardrails.add(verdict);
    }

    /** Every guardrail verdict of this call, in the order they were reached; empty when none ran. */
    public List<GuardrailVerdict> guardrailVerdicts() {
        return guardrails == null ? List.of() : guardrails;
    }

    /** What {@link #captureRequest} and {@link #captureResponse} kept, as text (null where nothing was). */
    public record CapturedBodies(String request, String response, boolean truncated) {}

    /**
     * What the answer cache did for this call: {@code HIT}, {@code SEMANTIC_HIT} or {@code MISS};
     * null when the cache was not consulted (off, zero data retention, {@code no-store}, ...).
     */
    public String cacheStatus() { return cacheStatus; }

    /**
     * True when the answer passes through a filter before the caller sees it (output guardrails, or
     * masked values restored): such an answer is never cached or served from the cache, since a stored
     * answer would skip the filter or carry one caller's restored values to another.
     */
    public boolean answerFiltered() { return answerFiltered; }

    public void answerFiltered(boolean filtered) { this.answerFiltered = filtered; }

    public void cacheStatus(String cacheStatus) { this.cacheStatus = cacheStatus; }

    /**
     * The call was answered from the cache: {@code saved} is the usage the stored answer cost when
     * it was made by {@code upstreamModel}. The call itself has no usage and no attempt, so it
     * settles at zero cost; the settlement prices {@code saved} as money saved.
     */
    public void cacheHit(String status, Usage saved, String upstreamModel) {
        this.cacheStatus = status;
        this.cacheSaved = saved;
        this.cacheModel = upstreamModel;
    }

    /** The usage a cache hit saved, null when the call was not a hit. */
    public Usage cacheSaved() { return cacheSaved; }

    /** The upstream model whose stored answer a cache hit replayed, null when not a hit. */
    public String cacheModel() { return cacheModel; }

    /** Micro-USD a cache hit saved (set when the call is settled). */
    public long cacheSavedMicros() { return cacheSavedMicros; }

    public void cacheSavedMicros(long micros) { this.cacheSavedMicros = micros; }

    public CapturedBodies capturedBodies() {
        return new CapturedBodies(requestBody == null ? null : requestBody.toString(StandardCharsets.UTF_8),
                responseBody == null ? null : responseBody.toString(StandardCharsets.UTF_8), bodyTruncated);
    }
}
