package dev.gatehouse.usage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.call.Principal;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.observability.CallFacts;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per call on the {@code gatehouse.access} logger, as text or as one JSON object
 * per line ({@code observability.access-log.format}). Metadata only: never prompt or answer
 * content, never keys, and never an error message — a provider's message may echo the prompt —
 * only the error's code. The log is therefore safe to ship anywhere, zero data retention
 * included. Successes are logged at DEBUG (the hot path stays quiet by default), failures at INFO.
 */
public final class AccessLog implements CallListener {
    private static final Logger LOG = LoggerFactory.getLogger("gatehouse.access");
    private static final JsonFactory JSON = new JsonFactory();

    private final BooleanSupplier json;

    /** @param json whether to write JSON lines (read per call, so a config reload applies at once) */
    public AccessLog(BooleanSupplier json) {
        this.json = json;
    }

    @Override
    public void completed(Call call, Throwable failure) {
        boolean failed = failure != null;
        if (failed ? !LOG.isInfoEnabled() : !LOG.isDebugEnabled()) {
            return;
        }
        String line = json.getAsBoolean() ? json(call, failure) : text(call, failure);
        if (failed) {
            LOG.info(line);
        } else {
            LOG.debug(line);
        }
    }

    static String text(Call call, Throwable failure) {
        Usage usage = settledUsage(call);
        Call.Attempt last = call.attempts().isEmpty() ? null : call.attempts().get(call.attempts().size() - 1);
        String errorType = CallFacts.errorType(call, failure);
        return String.format(Locale.ROOT, "%s %s model=%s provider=%s attempts=%d status=%d ms=%.1f ttft_ms=%s in=%s out=%s%s%s",
                call.requestId(), call.endpoint(), call.model(), last == null ? "-" : last.provider(), call.attempts().size(),
                CallFacts.status(failure), (System.nanoTime() - call.startNanos()) / 1e6,
                call.firstByteNanos() == 0 ? "-" : String.format(Locale.ROOT, "%.1f", (call.firstByteNanos() - call.startNanos()) / 1e6),
                usage == null ? "-" : usage.inputTokens(), usage == null ? "-" : usage.outputTokens(),
                call.zdr() ? " zdr=true" : "", errorType == null ? "" : " error=" + errorType);
    }

    static String json(Call call, Throwable failure) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("ts", Instant.now().toString());
            g.writeStringField("request_id", call.requestId());
            g.writeStringField("endpoint", call.endpoint().name().toLowerCase(Locale.ROOT));
            Principal p = call.principal();
            if (p != null) {
                g.writeStringField("auth", p.kind());
                writeIfSet(g, "key_id", p.keyId());
                writeIfSet(g, "user_id", p.userId());
                writeIfSet(g, "team_id", p.teamId());
            }
            writeIfSet(g, "model", call.model());
            Call.Attempt decisive = CallFacts.decisive(call);
            if (decisive != null) {
                g.writeStringField("provider", decisive.provider());
                g.writeStringField("response_model", decisive.upstreamModel());
            }
            g.writeBooleanField("stream", call.stream());
            g.writeNumberField("status", CallFacts.status(failure));
            writeIfSet(g, "error", CallFacts.errorType(call, failure));
            g.writeNumberField("attempts", call.attempts().size());
            g.writeNumberField("retries", CallFacts.retries(call.attempts()));
            g.writeNumberField("fallbacks", CallFacts.fallbacks(call.attempts()));
            if (call.attempts().size() > 1) {
                g.writeArrayFieldStart("path");
                for (Call.Attempt a : call.attempts()) {
                    g.writeStartObject();
                    g.writeStringField("provider", a.provider());
                    g.writeStringField("model", a.upstreamModel());
                    g.writeNumberField("status", a.status());
                    writeIfSet(g, "error", a.errorClass() == null ? null : a.errorClass().toLowerCase(Locale.ROOT));
                    g.writeNumberField("ms", a.durationNanos() / 1_000_000);
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeNumberField("duration_ms", (System.nanoTime() - call.startNanos()) / 1_000_000);
            if (call.firstByteNanos() > 0) {
                g.writeNumberField("ttft_ms", (call.firstByteNanos() - call.startNanos()) / 1_000_000);
            }
            Usage usage = settledUsage(call);
            if (usage != null) {
                g.writeNumberField("input_tokens", usage.inputTokens());
                g.writeNumberField("output_tokens", usage.outputTokens());
                g.writeNumberField("cached_input_tokens", usage.cachedInputTokens());
                g.writeNumberField("reasoning_tokens", usage.reasoningTokens());
            }
            g.writeNumberField("request_bytes", call.requestBytes());
            writeIfSet(g, "route", call.routeReason());
            g.writeBooleanField("zdr", call.zdr());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void writeIfSet(JsonGenerator g, String field, String value) throws IOException {
        if (value != null) {
            g.writeStringField(field, value);
        }
    }

    /** The settled usage (reported, else estimated), so the access log counts what the budget and request log count. */
    private static Usage settledUsage(Call call) {
        return call.settlement() == null ? call.usage() : call.settlement().usage();
    }
}
