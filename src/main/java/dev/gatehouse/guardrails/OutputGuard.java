package dev.gatehouse.guardrails;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.GuardrailVerdict;
import dev.gatehouse.call.OutputFilter;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.ToolCall;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The answer's side of a call's guardrails: output guardrails check the model's text and tool-call
 * arguments, then masked input values are restored for the caller.
 *
 * <p>Streams: text is held back and released only once {@code window} characters after it have
 * been checked too (or, in whole mode, at the end), so a value that a detector recognises only when
 * it is complete never reaches the caller in part. A value up to {@code window} characters long is
 * therefore caught before any of it is sent. Released text is checked again with the last
 * {@code window} released characters in front of it, so a value across the boundary is seen whole.
 * Tool-call arguments are held until the call's answer finishes and checked whole. Restoring holds
 * back a trailing {@code <...} that may be the start of a placeholder split across chunks.
 */
final class OutputGuard implements OutputFilter {
    private final Call call;
    /** The built-in (in-memory) output guardrails. */
    private final List<Guardrail> guardrails;
    /** The remote output guardrails (webhook, moderation, classifier), asked after the built-in ones. */
    private final List<Guardrail> remotes;
    /** Runs the remote guardrails over texts; null when there are none. */
    private final Function<List<String>, Future<Guardrails.Checked>> remoteRun;
    /** Holds a stream's released events until the remote guardrails judged them; null without remote guardrails. */
    private final RemoteOutputGate gate;
    /** The last emit the relay gave: what the gate releases after a verdict goes there. */
    private Consumer<StreamEvent> emit;
    /** The remote guardrails' verdicts so far, merged per guardrail (a stream asks them several times). */
    private final Map<String, GuardrailVerdict> remoteVerdicts = new LinkedHashMap<>();
    private final Placeholders masks;
    private final boolean whole;
    private final int window;
    /** The model's text not yet released. */
    private final StringBuilder pending = new StringBuilder();
    /** The last released characters of the model's text, in front of the next check. */
    private String context = "";
    /** Released (checked) text not yet passed on: a placeholder may be cut at its end. */
    private final StringBuilder restoreTail = new StringBuilder();
    /** Tool calls held until the answer finishes, by index. */
    private final Map<Integer, ToolCallParts> tools = new LinkedHashMap<>();
    private final Map<String, Set<String>> found = new LinkedHashMap<>();
    private final Map<String, String> outcome = new LinkedHashMap<>();
    private final Map<String, Long> nanos = new LinkedHashMap<>();
    private boolean reported;

    private static final class ToolCallParts {
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();
    }

    OutputGuard(Call call, List<Guardrail> guardrails, Placeholders masks) {
        this(call, guardrails, masks, null);
    }

    /**
     * @param guardrails the output guardrails attached to the call, built-in and remote
     * @param runner runs guardrails over texts as the output side (Guardrails#run); needed when any is remote
     */
    OutputGuard(Call call, List<Guardrail> guardrails, Placeholders masks, Guardrails runner) {
        this.call = call;
        List<Guardrail> local = new ArrayList<>(guardrails.size());
        List<Guardrail> remote = new ArrayList<>(0);
        for (Guardrail g : guardrails) {
            (g.remote == null ? local : remote).add(g);
        }
        this.guardrails = local;
        this.remotes = remote;
        this.masks = masks;
        if (remote.isEmpty()) {
            this.remoteRun = null;
            this.gate = null;
        } else {
            Scope scope = Scope.of(call);
            // Remote checks see the answer as the model wrote it (placeholders, not restored values).
            this.remoteRun = texts -> runner.run(texts, remote, new Placeholders(), scope, call.requestId(), Guardrails.Side.OUTPUT);
            this.gate = new RemoteOutputGate(remoteRun, pending::toString, e -> passOn(e, emit), this::remoteChecked, this::report);
        }
        boolean wholeMode = false;
        int w = 0;
        for (Guardrail g : guardrails) {
            wholeMode |= g.config.stream().whole();
            w = Math.max(w, g.config.stream().window());
        }
        this.whole = wholeMode;
        this.window = w;
        for (Guardrail g : local) {
            outcome.put(g.name(), "passed");
        }
    }

    @Override
    public void event(StreamEvent event, Consumer<StreamEvent> emit) {
        if (gate == null) {
            local(event, emit);
            return;
        }
        if (gate.blocked()) {
            return; // the stream is ending with the block; nothing after it is judged or sent
        }
        this.emit = emit;
        gate.entering();
        try {
            local(event, emit);
        } finally {
            gate.left(); // throws a block that a remote check decided at once
        }
    }

    /** The built-in guardrails' part of one event; what they release goes on through {@link #onward}. */
    private void local(StreamEvent event, Consumer<StreamEvent> emit) {
        switch (event) {
            case StreamEvent.TextDelta t -> {
                pending.append(t.text());
                if (!whole && pending.length() > window) {
                    release(pending.length() - window, emit);
                }
            }
            case StreamEvent.ToolCallDelta d -> {
                ToolCallParts parts = tools.computeIfAbsent(d.index(), i -> new ToolCallParts());
                parts.id = parts.id == null ? d.id() : parts.id;
                parts.name = parts.name == null ? d.name() : parts.name;
                if (d.argumentsFragment() != null) {
                    parts.arguments.append(d.argumentsFragment());
                }
            }
            case StreamEvent.ReasoningDelta r -> {
                // Reasoning is shown as it comes (holding it would stall the stream for minutes);
                // it is checked piece by piece, so a value cut across two pieces can escape here.
                if (r.text() != null && !r.text().isEmpty()) {
                    onward(new StreamEvent.ReasoningDelta(check(r.text(), 0, r.text().length()), r.signature()), emit);
                } else {
                    onward(r, emit);
                }
            }
            case StreamEvent.Finish f -> {
                release(pending.length(), emit);
                flushTools(emit);
                onward(f, emit);
            }
            default -> onward(event, emit);
        }
    }

    /** Passes an event the built-in guardrails released on: to the remote guardrails' gate, or straight on. */
    private void onward(StreamEvent event, Consumer<StreamEvent> emit) {
        if (gate == null) {
            passOn(event, emit);
        } else {
            gate.accept(event);
        }
    }

    /** Sends a checked event to the caller, restoring masked values (text, tool-call arguments); the finish reports. */
    private void passOn(StreamEvent event, Consumer<StreamEvent> emit) {
        switch (event) {
            case StreamEvent.TextDelta t -> {
                restoreTail.append(t.text());
                flushRestore(emit, false);
            }
            case StreamEvent.ToolCallDelta d -> {
                flushRestore(emit, true);
                emit.accept(new StreamEvent.ToolCallDelta(d.index(), d.id(), d.name(), masks.restore(d.argumentsFragment())));
            }
            case StreamEvent.Finish f -> {
                flushRestore(emit, true);
                report();
                emit.accept(f);
            }
            default -> emit.accept(event);
        }
    }

    @Override
    public boolean defers() {
        return gate != null;
    }

    @Override
    public void onBlock(Consumer<GatewayException> blocked) {
        if (gate != null) {
            gate.onBlock(e -> {
                report();
                blocked.accept(e);
            });
        }
    }

    @Override
    public Future<Void> settled() {
        return gate == null ? Future.succeededFuture() : gate.settled();
    }

    @Override
    public boolean holding() {
        return gate != null && gate.holding();
    }

    /** Checks the first {@code count} pending characters (with the context in front) and releases them. */
    private void release(int count, Consumer<StreamEvent> emit) {
        if (count <= 0 && pending.isEmpty()) {
            return;
        }
        String text = context + pending;
        int from = context.length();
        int cut = from + count;
        List<Finding> spans = findAll(text, cut);
        // A maskable value across the cut waits for the next release, so it is masked whole.
        for (Finding f : spans) {
            if (f.start() < cut && f.end() > cut && f.start() >= from) {
                cut = f.start();
            }
        }
        String released = maskSpans(text, from, cut, spans);
        context = tail(text.substring(0, cut), window);
        pending.delete(0, cut - from);
        if (!released.isEmpty()) {
            onward(new StreamEvent.TextDelta(released), emit);
        }
    }

    /**
     * Runs every output guardrail over {@code text}: throws the block if one blocks (a value anywhere
     * in the text, released or not: nothing after it may be sent), records flags, and returns the
     * spans to mask.
     */
    private List<Finding> findAll(String text, int checkedUpTo) {
        List<Finding> masked = new ArrayList<>();
        for (Guardrail g : guardrails) {
            long start = System.nanoTime();
            List<Finding> f;
            try {
                f = g.find(text);
            } catch (RuntimeException | StackOverflowError e) {
                nanos.merge(g.name(), System.nanoTime() - start, Long::sum);
                if (g.config.failClosed()) {
                    outcome.put(g.name(), "error");
                    throw block(g, "its detector failed and it fails closed (on-error: block)");
                }
                outcome.put(g.name(), "error");
                continue;
            }
            nanos.merge(g.name(), System.nanoTime() - start, Long::sum);
            if (f.isEmpty()) {
                continue;
            }
            Set<String> kinds = found.computeIfAbsent(g.name(), k -> new LinkedHashSet<>());
            f.forEach(x -> kinds.add(x.kind()));
            switch (g.config.action()) {
                case "mask" -> {
                    outcome.put(g.name(), "masked");
                    masked.addAll(f);
                }
                case "flag" -> {
                    if (!outcome.get(g.name()).equals("error")) {
                        outcome.put(g.name(), "flagged");
                    }
                    call.dropCapturedResponse(); // the flagged value reaches the caller, never the request log
                }
                default -> {
                    outcome.put(g.name(), "blocked");
                    throw block(g, "it contains " + String.join(", ", kinds));
                }
            }
        }
        return masked;
    }

    private GatewayException block(Guardrail g, String why) {
        report();
        return Guardrails.blocked(g, "output", why);
    }

    /** {@code text[from, to)} with the spans inside it replaced by placeholders (never restored). */
    private String maskSpans(String text, int from, int to, List<Finding> spans) {
        if (spans.isEmpty()) {
            return text.substring(from, to);
        }
        List<Finding> inside = new ArrayList<>();
        for (Finding f : spans) {
            if (f.hasSpan() && f.end() > from && f.start() < to) {
                inside.add(new Finding(f.kind(), Math.max(f.start(), from) - from, Math.min(f.end(), to) - from));
            }
        }
        return masks.mask(text.substring(from, to), inside, false);
    }

    /** Checks one piece on its own (reasoning); returns it masked where a guardrail masks. */
    private String check(String text, int from, int to) {
        return maskSpans(text, from, to, findAll(text, to));
    }

    /** Passes restored text on; keeps back a trailing piece that may be a cut placeholder, unless {@code all}. */
    private void flushRestore(Consumer<StreamEvent> emit, boolean all) {
        if (restoreTail.isEmpty()) {
            return;
        }
        int safe = all || !masks.restores() ? restoreTail.length() : masks.safeEnd(restoreTail);
        if (safe == 0) {
            return;
        }
        String out = masks.restore(restoreTail.substring(0, safe));
        restoreTail.delete(0, safe);
        if (!out.isEmpty()) {
            emit.accept(new StreamEvent.TextDelta(out));
        }
    }

    private void flushTools(Consumer<StreamEvent> emit) {
        for (Map.Entry<Integer, ToolCallParts> e : tools.entrySet()) {
            ToolCallParts parts = e.getValue();
            String args = parts.arguments.toString();
            onward(new StreamEvent.ToolCallDelta(e.getKey(), parts.id, parts.name, check(args, 0, args.length())), emit);
        }
        tools.clear();
    }

    @Override
    public ChatResponse answer(ChatResponse r) {
        ChatResponse out = restored(checked(r));
        report();
        return out;
    }

    @Override
    public Future<ChatResponse> answerLater(ChatResponse r) {
        if (remoteRun == null) {
            return OutputFilter.super.answerLater(r);
        }
        ChatResponse checked;
        try {
            checked = checked(r);
        } catch (GatewayException blocked) {
            return Future.failedFuture(blocked);
        }
        List<String> texts = new ArrayList<>();
        for (ContentPart part : checked.content()) {
            if (part instanceof ContentPart.Text t) {
                texts.add(t.text());
            }
        }
        for (ToolCall tc : checked.toolCalls()) {
            texts.add(tc.arguments() == null ? "" : tc.arguments());
        }
        return remoteRun.apply(texts).compose(c -> {
            remoteChecked(c);
            if (c.blocked() != null) {
                report();
                return Future.failedFuture(c.blocked());
            }
            ChatResponse out = restored(c.changed() ? replaced(checked, c.texts()) : checked);
            report();
            return Future.succeededFuture(out);
        });
    }

    /** The answer after the built-in output guardrails: masked where they mask; throws their block. */
    private ChatResponse checked(ChatResponse r) {
        List<ContentPart> content = new ArrayList<>(r.content().size());
        for (ContentPart part : r.content()) {
            if (part instanceof ContentPart.Text t) {
                content.add(new ContentPart.Text(check(t.text(), 0, t.text().length())));
            } else if (part instanceof ContentPart.Reasoning rs && rs.text() != null) {
                content.add(new ContentPart.Reasoning(check(rs.text(), 0, rs.text().length()), rs.signature(), rs.redacted()));
            } else {
                content.add(part);
            }
        }
        List<ToolCall> calls = new ArrayList<>(r.toolCalls().size());
        for (ToolCall tc : r.toolCalls()) {
            calls.add(new ToolCall(tc.id(), tc.name(), tc.arguments() == null ? null : check(tc.arguments(), 0, tc.arguments().length())));
        }
        return new ChatResponse(r.id(), r.model(), r.created(), content, calls, r.finishReason(), r.usage(), r.extra());
    }

    /** The answer's texts (each text part, then each tool call's arguments) replaced by a service's {@code texts}. */
    private static ChatResponse replaced(ChatResponse r, List<String> texts) {
        int i = 0;
        List<ContentPart> content = new ArrayList<>(r.content().size());
        for (ContentPart part : r.content()) {
            content.add(part instanceof ContentPart.Text ? new ContentPart.Text(texts.get(i++)) : part);
        }
        List<ToolCall> calls = new ArrayList<>(r.toolCalls().size());
        for (ToolCall tc : r.toolCalls()) {
            String args = texts.get(i++);
            calls.add(new ToolCall(tc.id(), tc.name(), tc.arguments() == null && args.isEmpty() ? null : args));
        }
        return new ChatResponse(r.id(), r.model(), r.created(), content, calls, r.finishReason(), r.usage(), r.extra());
    }

    /** The answer with masked input values put back for the caller (text and tool-call arguments). */
    private ChatResponse restored(ChatResponse r) {
        if (!masks.restores()) {
            return r;
        }
        List<ContentPart> content = new ArrayList<>(r.content().size());
        for (ContentPart part : r.content()) {
            content.add(part instanceof ContentPart.Text t ? new ContentPart.Text(masks.restore(t.text())) : part);
        }
        List<ToolCall> calls = new ArrayList<>(r.toolCalls().size());
        for (ToolCall tc : r.toolCalls()) {
            calls.add(new ToolCall(tc.id(), tc.name(), tc.arguments() == null ? null : masks.restore(tc.arguments())));
        }
        return new ChatResponse(r.id(), r.model(), r.created(), content, calls, r.finishReason(), r.usage(), r.extra());
    }

    /** A remote check's verdicts: merged into one per guardrail (the worst outcome, all kinds, the time of every check). */
    private void remoteChecked(Guardrails.Checked c) {
        if (c.unmaskedFindings()) {
            call.dropCapturedResponse(); // a flagged answer reaches the caller, never the request log
        }
        for (GuardrailVerdict v : c.verdicts()) {
            remoteVerdicts.merge(v.guardrail(), v, (a, b) -> {
                Set<String> kinds = new LinkedHashSet<>(a.kinds());
                kinds.addAll(b.kinds());
                String worst = rank(b.outcome()) > rank(a.outcome()) ? b.outcome() : a.outcome();
                return new GuardrailVerdict(a.guardrail(), a.stage(), worst, List.copyOf(kinds), a.nanos() + b.nanos());
            });
        }
    }

    private static int rank(String outcome) {
        return switch (outcome) {
            case "blocked" -> 4;
            case "error" -> 3;
            case "masked" -> 2;
            case "flagged" -> 1;
            default -> 0;
        };
    }

    /** Records each output guardrail's verdict on the call, once (at the answer's end or its block). */
    private void report() {
        if (reported) {
            return;
        }
        reported = true;
        for (Guardrail g : guardrails) {
            call.guardrailVerdict(new GuardrailVerdict(g.name(), "output", outcome.get(g.name()),
                    List.copyOf(found.getOrDefault(g.name(), Set.of())), nanos.getOrDefault(g.name(), 0L)));
        }
        for (Guardrail g : remotes) {
            GuardrailVerdict v = remoteVerdicts.get(g.name());
            call.guardrailVerdict(v != null ? v : new GuardrailVerdict(g.name(), "output", "passed", List.of(), 0L));
        }
        GuardrailsStage.header(call);
    }

    private static String tail(String s, int n) {
        return s.length() <= n ? s : s.substring(s.length() - n);
    }
}
