package dev.gatehouse.api;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.Role;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.routing.Target;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Mid-stream continuation for chat callers of any format: the request that continues a broken
 * stream on the next target and the relay that splices its answer into the caller's stream.
 * A continuation always goes through the canonical model, whatever the next target speaks.
 */
public final class Continuation {
    private Continuation() {}

    /** Whether what was delivered can be continued: plain text (a half-sent tool call cannot). */
    public static boolean possible(CallerFormat.StreamRelay broken) {
        return broken instanceof Resumable resumable && resumable.resumable() && !resumable.delivered().toolCalls();
    }

    /**
     * With {@code prefill}, the delivered text is sent as the start of the assistant's answer for
     * the model to continue; without, the original request is sent again.
     */
    public static Future<UpstreamRequest> request(ChatRequest request, Target next, CallerFormat.StreamRelay broken, boolean prefill) {
        try {
            if (prefill) {
                String prefix = ((Resumable) broken).delivered().text().stripTrailing();
                if (!prefix.isEmpty()) {
                    List<Message> messages = new ArrayList<>(request.messages());
                    messages.add(Message.text(Role.ASSISTANT, prefix));
                    request = request.withMessages(messages);
                }
            }
            return CallerFormat.translatedChat(next.provider(), request, next.upstreamModel(), true);
        } catch (GatewayException e) {
            return Future.failedFuture(e);
        }
    }

    /**
     * The relay that carries the answer on in the caller's existing stream; the decoder is the one for
     * {@code request}, so what the request asked is honoured on the next target too (WireCodec.streamDecoder).
     */
    public static ContinuationRelay relay(CallerFormat.StreamRelay broken, Target next, boolean prefill, ChatRequest request) {
        Resumable resumable = (Resumable) broken;
        return new ContinuationRelay(next.provider().codec().streamDecoder(request), resumable.resume(), resumable.delivered(),
                prefill);
    }
}
