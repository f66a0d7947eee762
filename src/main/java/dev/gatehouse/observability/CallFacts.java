package dev.gatehouse.observability;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import java.util.List;
import java.util.Locale;

/**
 * Facts about a finished call that metrics, traces and the access log all derive the same way:
 * status, GenAI operation name, retries and fallbacks. Metadata only: never an error message,
 * which may echo prompt content.
 */
public final class CallFacts {
    private CallFacts() {}

    /** The HTTP status the caller got (499 when it went away, 500 for an unexpected failure). */
    public static int status(Throwable failure) {
        if (failure == null) {
            return 200;
        }
        if (failure instanceof GatewayException e) {
            return "client_closed_request".equals(e.code()) ? 499 : e.status();
        }
        return 500;
    }

    public static String statusClass(int status) {
        return status < 200 ? "1xx" : status < 300 ? "2xx" : status < 400 ? "3xx" : status < 500 ? "4xx" : "5xx";
    }

    /** The OpenTelemetry {@code gen_ai.operation.name}, or null for calls that reach no model. */
    public static String operation(Endpoint endpoint) {
        return switch (endpoint) {
            case CHAT_COMPLETIONS, MESSAGES, RESPONSES -> "chat";
            case EMBEDDINGS -> "embeddings";
            // Not (yet) named by the GenAI conventions: the gateway's own names, stable for dashboards.
            case IMAGES_GENERATIONS, IMAGES_EDITS, IMAGES_VARIATIONS -> "image_generation";
            case AUDIO_TRANSCRIPTIONS, AUDIO_TRANSLATIONS -> "transcription";
            case AUDIO_SPEECH -> "speech";
            case MODERATIONS -> "moderation";
            case RERANK -> "rerank";
            default -> null;
        };
    }

    /** A stable, low-cardinality error type: the gateway's error code, or the upstream error class. */
    public static String errorType(Call call, Throwable failure) {
        if (failure == null) {
            return null;
        }
        if (failure instanceof GatewayException e) {
            return e.code() != null ? e.code() : e.type().name().toLowerCase(Locale.ROOT);
        }
        return "internal_error";
    }

    /** The gateway refused the call before any upstream attempt: budget, rate limit or ZDR. */
    public static String rejection(Call call, Throwable failure) {
        if (!(failure instanceof GatewayException e) || !call.attempts().isEmpty()) {
            return null;
        }
        if (e.type() == ErrorType.INSUFFICIENT_QUOTA) {
            return "budget";
        }
        if (e.type() == ErrorType.RATE_LIMIT) {
            return "rate_limit";
        }
        if ("zdr_no_target".equals(e.code())) {
            return "zdr";
        }
        return null;
    }

    /** Attempts on the same provider and upstream model as the attempt before. */
    public static int retries(List<Call.Attempt> attempts) {
        int retries = 0;
        for (int i = 1; i < attempts.size(); i++) {
            if (sameTarget(attempts.get(i - 1), attempts.get(i))) {
                retries++;
            }
        }
        return retries;
    }

    /** Attempts that moved on to another target (another provider or model) than the attempt before. */
    public static int fallbacks(List<Call.Attempt> attempts) {
        return Math.max(0, attempts.size() - 1 - retries(attempts));
    }

    private static boolean sameTarget(Call.Attempt a, Call.Attempt b) {
        return a.provider().equals(b.provider()) && a.upstreamModel().equals(b.upstreamModel());
    }

    /** The attempt that answered, else the last one, else null. */
    public static Call.Attempt decisive(Call call) {
        Call.Attempt answering = call.answeringAttempt();
        if (answering != null) {
            return answering;
        }
        List<Call.Attempt> attempts = call.attempts();
        return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
    }
}
