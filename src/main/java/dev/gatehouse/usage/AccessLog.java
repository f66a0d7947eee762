package dev.gatehouse.usage;

import dev.gatehouse.canonical.Usage;
import dev.gatehouse.gateway.Call;
import dev.gatehouse.gateway.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per call with metadata only — never prompt or answer content, never keys — so
 * the log is safe to ship anywhere. Logged at DEBUG for successes (the hot path stays quiet by
 * default) and INFO for failures.
 */
public final class AccessLog implements CallListener {
    private static final Logger LOG = LoggerFactory.getLogger("gatehouse.access");

    @Override
    public void completed(Call call, Throwable failure) {
        boolean failed = failure != null;
        if (failed ? !LOG.isInfoEnabled() : !LOG.isDebugEnabled()) {
            return;
        }
        Usage usage = call.usage();
        Call.Attempt last = call.attempts().isEmpty() ? null : call.attempts().get(call.attempts().size() - 1);
        String line = String.format("%s %s model=%s provider=%s attempts=%d status=%s ms=%.1f ttft_ms=%s in=%s out=%s%s",
                call.requestId(), call.endpoint(), call.model(), last == null ? "-" : last.provider(), call.attempts().size(),
                failed ? statusOf(failure) : "200", (System.nanoTime() - call.startNanos()) / 1e6,
                call.firstByteNanos() == 0 ? "-" : String.format("%.1f", (call.firstByteNanos() - call.startNanos()) / 1e6),
                usage == null ? "-" : usage.inputTokens(), usage == null ? "-" : usage.outputTokens(),
                failed ? " error=\"" + failure.getMessage() + "\"" : "");
        if (failed) {
            LOG.info(line);
        } else {
            LOG.debug(line);
        }
    }

    private static String statusOf(Throwable failure) {
        return failure instanceof GatewayException e ? Integer.toString(e.status()) : "500";
    }
}
