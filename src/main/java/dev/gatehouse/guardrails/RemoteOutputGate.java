package dev.gatehouse.guardrails;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.GuardrailVerdict;
import dev.gatehouse.canonical.StreamEvent;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The remote output guardrails (webhook, moderation, classifier) of one streamed answer: events the
 * built-in detectors released wait here until a service judged the answer so far, and only then go
 * on to the caller. At most one check is in flight; text that arrives meanwhile waits for the next
 * one, so a slow service means fewer, larger checks rather than a queue of them.
 *
 * <p>Each check sends the whole answer so far: the text already sent, the text waiting here and the
 * text the built-in detectors still hold back (their window), so a value across two releases is
 * judged whole and nothing is sent before the text after it was judged too. Tool-call arguments
 * come with the check that covers them (at the answer's end). Events without text (usage, the
 * finish) never overtake text ahead of them.
 *
 * <p>A {@code mask} verdict's replacement is used when none of the answer was sent yet and nothing
 * is held behind the check (whole mode, or a short answer at its end); otherwise the text it would
 * replace is partly with the caller, so the stream ends blocked instead.
 */
final class RemoteOutputGate {
    private final Function<List<String>, Future<Guardrails.Checked>> check;
    /** The text the built-in detectors hold back, included in each check. */
    private final Supplier<String> lookahead;
    /** Passes a judged event on (restoring masked values) to the caller's stream. */
    private final Consumer<StreamEvent> release;
    /** Records a check's verdicts on the call. */
    private final Consumer<Guardrails.Checked> verdicts;
    /**
     * Runs before a batch with the answer's finish is released: the verdicts are reported then, so a
     * stream whose head goes out with that batch (whole mode) carries them in its header.
     */
    private final Runnable finishing;
    private final ArrayDeque<StreamEvent> queue = new ArrayDeque<>();
    /** The answer's text released so far (as the model wrote it, before restoring). */
    private final StringBuilder sent = new StringBuilder();
    /** How many events at the queue's head the check in flight covers (0: none in flight). */
    private int covered;
    private boolean inFlight;
    private GatewayException blocked;
    private Consumer<GatewayException> onBlock;
    /** Set while the filter handles an event: a verdict that comes at once is thrown there, not reported. */
    private boolean inEvent;
    private GatewayException blockedInEvent;
    private Promise<Void> settled;

    RemoteOutputGate(Function<List<String>, Future<Guardrails.Checked>> check, Supplier<String> lookahead,
            Consumer<StreamEvent> release, Consumer<Guardrails.Checked> verdicts, Runnable finishing) {
        this.check = check;
        this.lookahead = lookahead;
        this.release = release;
        this.verdicts = verdicts;
        this.finishing = finishing;
    }

    void onBlock(Consumer<GatewayException> onBlock) {
        this.onBlock = onBlock;
    }

    boolean blocked() {
        return blocked != null;
    }

    boolean holding() {
        return inFlight || !queue.isEmpty();
    }

    /** Around the filter's handling of one event; throws a block that came while it ran. */
    void entering() {
        inEvent = true;
    }

    void left() {
        inEvent = false;
        GatewayException b = blockedInEvent;
        if (b != null) {
            blockedInEvent = null;
            throw b;
        }
    }

    /** An event the built-in detectors released (text as the model wrote it). */
    void accept(StreamEvent event) {
        if (blocked != null) {
            return;
        }
        queue.add(event);
        pump();
    }

    Future<Void> settled() {
        if (blocked != null) {
            return Future.failedFuture(blocked);
        }
        if (!holding()) {
            return Future.succeededFuture();
        }
        if (settled == null) {
            settled = Promise.promise();
        }
        return settled.future();
    }

    private void pump() {
        if (inFlight || blocked != null) {
            return;
        }
        if (!waitsForCheck()) {
            while (!queue.isEmpty()) {
                release.accept(queue.poll());
            }
            if (settled != null) {
                settled.tryComplete();
            }
            return;
        }
        covered = queue.size();
        StringBuilder text = new StringBuilder(sent);
        List<String> toolArguments = new ArrayList<>(0);
        for (StreamEvent e : queue) {
            if (e instanceof StreamEvent.TextDelta t) {
                text.append(t.text());
            } else if (e instanceof StreamEvent.ToolCallDelta d) {
                toolArguments.add(d.argumentsFragment() == null ? "" : d.argumentsFragment());
            }
        }
        String held = lookahead.get();
        boolean replaceable = sent.isEmpty() && held.isEmpty();
        text.append(held);
        List<String> texts = new ArrayList<>(1 + toolArguments.size());
        texts.add(text.toString());
        texts.addAll(toolArguments);
        inFlight = true;
        Future<Guardrails.Checked> asked;
        try {
            asked = check.apply(texts);
        } catch (RuntimeException e) {
            asked = Future.failedFuture(e);
        }
        asked.onComplete(r -> judged(r, replaceable));
    }

    /** Whether the queue holds text or tool-call arguments not yet judged. */
    private boolean waitsForCheck() {
        for (StreamEvent e : queue) {
            if (e instanceof StreamEvent.TextDelta t && !t.text().isEmpty() || e instanceof StreamEvent.ToolCallDelta) {
                return true;
            }
        }
        return false;
    }

    private void judged(AsyncResult<Guardrails.Checked> r, boolean replaceable) {
        inFlight = false;
        if (blocked != null) {
            return;
        }
        if (r.failed()) {
            // Guardrails.run turns every service failure into a verdict: this is a bug, and fails closed.
            block(new GatewayException(ErrorType.UNAVAILABLE, "The answer was blocked because its guardrails could not check it.",
                    null, Guardrails.GUARDRAIL_UNAVAILABLE));
            return;
        }
        Guardrails.Checked c = r.result();
        verdicts.accept(c);
        if (c.blocked() != null) {
            block(c.blocked());
            return;
        }
        if (c.changed()) {
            if (!replaceable) {
                block(Guardrails.blockedAs(masker(c), "The answer",
                        "it asked to replace text of a streamed answer that has begun to reach the caller (use stream mode: whole)"));
                return;
            }
            replace(c.texts());
        }
        if (queue.stream().limit(covered).anyMatch(e -> e instanceof StreamEvent.Finish)) {
            finishing.run();
        }
        for (int i = 0; i < covered; i++) {
            StreamEvent e = queue.poll();
            if (e instanceof StreamEvent.TextDelta t) {
                sent.append(t.text());
            }
            release.accept(e);
        }
        covered = 0;
        pump();
    }

    /** The covered events with the service's replacement texts: the answer's text first, then each tool call's arguments. */
    private void replace(List<String> texts) {
        List<StreamEvent> out = new ArrayList<>(covered);
        boolean textPlaced = false;
        int tool = 1;
        if (queue.stream().limit(covered).anyMatch(e -> e instanceof StreamEvent.Finish)) {
            finishing.run();
        }
        for (int i = 0; i < covered; i++) {
            StreamEvent e = queue.poll();
            if (e instanceof StreamEvent.TextDelta) {
                if (!textPlaced) {
                    out.add(new StreamEvent.TextDelta(texts.getFirst()));
                    textPlaced = true;
                }
            } else if (e instanceof StreamEvent.ToolCallDelta d) {
                String args = tool < texts.size() ? texts.get(tool) : d.argumentsFragment();
                tool++;
                out.add(new StreamEvent.ToolCallDelta(d.index(), d.id(), d.name(), args));
            } else {
                out.add(e);
            }
        }
        for (int i = out.size() - 1; i >= 0; i--) {
            queue.addFirst(out.get(i));
        }
        covered = out.size();
    }

    private static String masker(Guardrails.Checked c) {
        for (GuardrailVerdict v : c.verdicts()) {
            if (v.outcome().equals("masked")) {
                return v.guardrail();
            }
        }
        return "?";
    }

    private void block(GatewayException e) {
        blocked = e;
        queue.clear();
        covered = 0;
        if (inEvent) {
            blockedInEvent = e;
        } else if (onBlock != null) {
            onBlock.accept(e);
        }
        if (settled != null) {
            settled.tryFail(e);
        }
    }
}
