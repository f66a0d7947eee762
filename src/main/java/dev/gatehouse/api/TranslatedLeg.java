package dev.gatehouse.api;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.OutputFilter;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.gateway.CallerFormat;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/**
 * The whole-answer half of a translated leg, the same for every caller format: the upstream's answer
 * decoded into the canonical one, passed through the output guardrails (at once, or once their remote
 * checks passed), then encoded in the caller's format. A caller format says how to decode and encode.
 */
public abstract class TranslatedLeg implements CallerFormat.Leg {
    /** The call's output guardrails and restoring, or null. */
    protected abstract OutputFilter filter();

    /** The upstream's whole answer in canonical form, its usage told to the call. */
    protected abstract ChatResponse decoded(Buffer upstreamBody, Call call);

    /** The answer in the caller's format (and remembered, where the caller format keeps it). */
    protected abstract Buffer encoded(ChatResponse response);

    @Override
    public final Buffer answer(Buffer upstreamBody, Call call) {
        ChatResponse response = decoded(upstreamBody, call);
        OutputFilter filter = filter();
        if (filter != null) {
            response = filter.answer(response); // throws the block, if a guardrail blocks
        }
        return encoded(response);
    }

    @Override
    public final boolean answersLater() {
        OutputFilter filter = filter();
        return filter != null && filter.defers();
    }

    @Override
    public final Future<Buffer> answerLater(Buffer upstreamBody, Call call) {
        return filter().answerLater(decoded(upstreamBody, call)).map(this::encoded);
    }
}
