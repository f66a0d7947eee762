package dev.gatehouse.guardrails;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.GuardrailVerdict;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.GuardrailConfig;
import dev.gatehouse.config.GuardrailsConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The configured guardrails, compiled once per configuration (a reload compiles the new one), and
 * the one way to run them over texts: {@link #check} for any caller that has text to judge (the
 * input stage, tool calls and tool results), {@link #input} for a whole request.
 */
public final class Guardrails {
    /** Texts longer than this in total are checked on a worker thread, not the event loop. */
    static final int LOOP_CHARS = 64 * 1024;

    private final Vertx vertx;
    private final Supplier<GatehouseConfig> config;
    private final RemoteChecks remotes;
    private volatile Compiled compiled;

    /**
     * The guardrails of one configuration, and the models classifier guardrails ask: a classifier
     * never applies to a call of those models, so its own request is not classified in turn.
     */
    private record Compiled(GuardrailsConfig source, List<Guardrail> all, Set<String> classifierModels) {}

    public Guardrails(Vertx vertx, Supplier<GatehouseConfig> config, RemoteChecks remotes) {
        this.vertx = vertx;
        this.config = config;
        this.remotes = remotes;
    }

    /** Whether no guardrail is configured at all: the request path then does no guardrail work. */
    public boolean none() {
        return config.get().guardrails().isEmpty();
    }

    /** The guardrails attached to {@code scope} on one side, in configuration order. */
    List<Guardrail> applicable(Scope scope, boolean input) {
        List<Guardrail> out = null;
        Compiled c = compiled();
        for (Guardrail g : c.all()) {
            if ((input ? g.config.input() : g.config.output()) && g.appliesTo(scope)
                    && !(g.remote instanceof ClassifierCheck && c.classifierModels().contains(scope.model()))) {
                if (out == null) {
                    out = new ArrayList<>(4);
                }
                out.add(g);
            }
        }
        return out == null ? List.of() : out;
    }

    private Compiled compiled() {
        GatehouseConfig current = config.get();
        Compiled c = compiled;
        if (c == null || c.source() != current.guardrails()) {
            List<Guardrail> all = new ArrayList<>();
            Set<String> classifierModels = new HashSet<>();
            for (GuardrailConfig g : current.guardrails().guardrails().values()) {
                all.add(compile(g, current));
                if (g.type().equals(CLASSIFIER)) {
                    classifierModels.add(g.settings().model());
                }
            }
            c = new Compiled(current.guardrails(), List.copyOf(all), Set.copyOf(classifierModels));
            compiled = c;
        }
        return c;
    }

    private Guardrail compile(GuardrailConfig g, GatehouseConfig current) {
        GuardrailConfig.Settings s = g.settings();
        return switch (g.type()) {
            case "pii" -> new Guardrail(g, new PiiDetector(s.entities(), s.patterns()), null, null);
            case "secrets" -> new Guardrail(g, new SecretDetector(s.secretKinds(), s.entropy()), null, null);
            case "injection" -> new Guardrail(g, new InjectionDetector(s.threshold()), null, null);
            case "regex" -> new Guardrail(g, new RegexDetector(s.patterns()), null, null);
            case "words" -> {
                WordsDetector w = new WordsDetector(s.deny(), s.allow(), true);
                yield new Guardrail(g, w, w, null);
            }
            case "webhook" -> new Guardrail(g, null, null, remotes.webhook(g));
            case "moderation" -> new Guardrail(g, null, null, remotes.moderation(g, current.providers().get(s.provider())));
            case CLASSIFIER -> new Guardrail(g, null, null, remotes.classifier(g));
            default -> throw new IllegalStateException("unknown guardrail type " + g.type());
        };
    }

    /**
     * What the input guardrails attached to {@code scope} make of {@code texts}: the texts to send
     * on (masked where a guardrail masks), every verdict, and the block if one blocked.
     */
    public record Checked(List<String> texts, boolean changed, List<GuardrailVerdict> verdicts, GatewayException blocked,
            boolean unmaskedFindings) {}

    /**
     * Runs the input guardrails attached to {@code scope} over one text (a tool call's arguments, a
     * tool's result): the entry point for everything that is not a caller's request body. Masked
     * values are not restorable here (there is no answer to restore them into).
     */
    public Future<Checked> check(String text, Scope scope, String requestId) {
        return input(List.of(text), applicable(scope, true), new Placeholders(), scope, requestId);
    }

    /** Which side of an exchange {@link #check(List, Scope, String, Side)} judges, and how a block names it. */
    public enum Side {
        /** Sent towards a tool or a model: input guardrails ({@code stage: input} or {@code both}). */
        INPUT("input", "The request"),
        /** Coming back from a tool: output guardrails ({@code stage: output} or {@code both}). */
        OUTPUT("output", "The answer");

        final String stage;
        final String subject;

        Side(String stage, String subject) {
            this.stage = stage;
            this.subject = subject;
        }
    }

    /** Whether any guardrail of {@code side} is attached to {@code scope}: callers skip all work when none is. */
    public boolean appliesTo(Scope scope, Side side) {
        return !none() && !applicable(scope, side == Side.INPUT).isEmpty();
    }

    /**
     * Runs the guardrails of {@code side} attached to {@code scope} over several texts of one message
     * (the string values of a tool call's arguments, the text parts of a tool's result), with the
     * same actions as on a request: block, mask (not restorable), flag, and {@code on-error}. The
     * verdicts carry {@code side}'s stage.
     */
    public Future<Checked> check(List<String> texts, Scope scope, String requestId, Side side) {
        return run(texts, applicable(scope, side == Side.INPUT), new Placeholders(), scope, requestId, side);
    }

    /** Runs {@code guardrails} (input side) over {@code texts} in order; the first block ends the run. */
    Future<Checked> input(List<String> texts, List<Guardrail> guardrails, Placeholders masks, Scope scope, String requestId) {
        return run(texts, guardrails, masks, scope, requestId, Side.INPUT);
    }

    /** Runs {@code guardrails} over {@code texts} in order as {@code side}; the first block ends the run. */
    Future<Checked> run(List<String> texts, List<Guardrail> guardrails, Placeholders masks, Scope scope, String requestId, Side side) {
        InputRun run = new InputRun(texts, masks, scope, requestId, side);
        Promise<Checked> done = Promise.promise();
        run.next(guardrails, 0, done);
        return done.future();
    }

    /** One pass of one side's guardrails over one message's texts (on the request path: the input side). */
    private final class InputRun {
        private final List<String> texts;
        private final Placeholders masks;
        private final Scope scope;
        private final String requestId;
        private final Side side;
        private final List<GuardrailVerdict> verdicts = new ArrayList<>(4);
        private final int chars;
        private boolean changed;
        private boolean unmasked;

        InputRun(List<String> texts, Placeholders masks, Scope scope, String requestId, Side side) {
            this.texts = new ArrayList<>(texts);
            this.masks = masks;
            this.scope = scope;
            this.requestId = requestId;
            this.side = side;
            int n = 0;
            for (String t : texts) {
                n += t.length();
            }
            this.chars = n;
        }

        void next(List<Guardrail> guardrails, int i, Promise<Checked> done) {
            while (i < guardrails.size()) {
                Guardrail g = guardrails.get(i);
                long start = System.nanoTime();
                if (g.remote == null && chars <= LOOP_CHARS) {
                    GatewayException blocked = local(g, start, findAll(g));
                    if (blocked != null) {
                        done.complete(result(blocked));
                        return;
                    }
                    i++;
                    continue;
                }
                int at = i;
                Future<?> step = g.remote == null
                        ? vertx.executeBlocking(() -> findAll(g), false).map(found -> local(g, start, found))
                        : remote(g, start);
                step.onComplete(r -> {
                    if (r.failed()) {
                        done.tryFail(r.cause());
                    } else if (r.result() instanceof GatewayException blocked) {
                        done.complete(result(blocked));
                    } else {
                        next(guardrails, at + 1, done);
                    }
                });
                return;
            }
            done.complete(result(null));
        }

        private Checked result(GatewayException blocked) {
            return new Checked(List.copyOf(texts), changed, List.copyOf(verdicts), blocked, unmasked);
        }

        /** Every text's findings, or a failure: detectors are code and can fail on odd input like anything else. */
        private Object findAll(Guardrail g) {
            try {
                List<List<Finding>> found = new ArrayList<>(texts.size());
                for (String t : texts) {
                    found.add(g.find(t));
                }
                if (g.words != null && !g.words.onTopic(texts)) {
                    found.add(List.of(Finding.whole("OFF_TOPIC")));
                }
                return found;
            } catch (RuntimeException | StackOverflowError e) {
                return e;
            }
        }

        /** Applies a built-in guardrail's findings; returns the block, or null to go on. */
        @SuppressWarnings("unchecked")
        private GatewayException local(Guardrail g, long start, Object result) {
            if (result instanceof Throwable failure) {
                return failed(g, start, "its detector failed (" + failure.getClass().getSimpleName() + ")");
            }
            List<List<Finding>> found = (List<List<Finding>>) result;
            Set<String> kinds = new LinkedHashSet<>();
            found.forEach(list -> list.forEach(f -> kinds.add(f.kind())));
            if (kinds.isEmpty()) {
                verdicts.add(verdict(g, side.stage, "passed", kinds, start));
                return null;
            }
            switch (g.config.action()) {
                case "mask" -> {
                    for (int t = 0; t < texts.size(); t++) {
                        if (!found.get(t).isEmpty()) {
                            texts.set(t, masks.mask(texts.get(t), found.get(t), g.config.restore()));
                            changed = true;
                        }
                    }
                    verdicts.add(verdict(g, side.stage, "masked", kinds, start));
                    return null;
                }
                case "flag" -> {
                    unmasked = true;
                    verdicts.add(verdict(g, side.stage, "flagged", kinds, start));
                    return null;
                }
                default -> {
                    unmasked = true;
                    verdicts.add(verdict(g, side.stage, "blocked", kinds, start));
                    return blockedAs(g, side.subject, "it contains " + String.join(", ", kinds));
                }
            }
        }

        /** Asks a webhook or moderation model; completes with the block, or null to go on. */
        private Future<Object> remote(Guardrail g, long start) {
            Future<RemoteCheck.Verdict> asked;
            try {
                asked = g.remote.check(List.copyOf(texts), side.stage, scope, requestId);
            } catch (RuntimeException e) {
                asked = Future.failedFuture(e);
            }
            return asked.transform(r -> {
                if (r.failed()) {
                    return Future.succeededFuture(failed(g, start, r.cause().getMessage()));
                }
                RemoteCheck.Verdict v = r.result();
                Set<String> kinds = new LinkedHashSet<>(v.kinds() == null ? List.of() : v.kinds());
                return Future.succeededFuture(switch (v.action()) {
                    case "allow" -> {
                        verdicts.add(verdict(g, side.stage, "passed", kinds, start));
                        yield null;
                    }
                    case "flag" -> {
                        unmasked = true;
                        verdicts.add(verdict(g, side.stage, "flagged", kinds, start));
                        yield null;
                    }
                    case "mask" -> {
                        for (int t = 0; t < texts.size() && v.replacement() != null && t < v.replacement().size(); t++) {
                            if (v.replacement().get(t) != null) {
                                texts.set(t, v.replacement().get(t));
                                changed = true;
                            }
                        }
                        verdicts.add(verdict(g, side.stage, "masked", kinds, start));
                        yield null;
                    }
                    default -> {
                        unmasked = true;
                        verdicts.add(verdict(g, side.stage, "blocked", kinds, start));
                        yield blockedAs(g, side.subject, v.reason() == null || v.reason().isBlank() ? "it was refused" : v.reason());
                    }
                });
            });
        }

        /** The guardrail could not decide: on-error block (the default) blocks, allow lets the call through. */
        private GatewayException failed(Guardrail g, long start, String why) {
            verdicts.add(verdict(g, side.stage, "error", Set.of(), start));
            if (!g.config.failClosed()) {
                return null;
            }
            return new GatewayException(ErrorType.UNAVAILABLE, side.subject + " was blocked because guardrail '" + g.name()
                    + "' could not check it (" + why + ") and fails closed (on-error: block).", null, GUARDRAIL_UNAVAILABLE);
        }
    }

    static final String CLASSIFIER = "injection-classifier";
    public static final String GUARDRAIL_BLOCKED = "guardrail_blocked";
    public static final String GUARDRAIL_UNAVAILABLE = "guardrail_unavailable";

    /** A block in the caller's format: 400 on input; on output the executor sends it in-band. */
    static GatewayException blocked(Guardrail g, String stage, String why) {
        return blockedAs(g, stage.equals("input") ? "The request" : "The answer", why);
    }

    private static GatewayException blockedAs(Guardrail g, String subject, String why) {
        return blockedAs(g.name(), subject, why);
    }

    static GatewayException blockedAs(String guardrail, String subject, String why) {
        return new GatewayException(ErrorType.INVALID_REQUEST, subject + " was blocked by guardrail '" + guardrail + "': " + why + ".",
                null, GUARDRAIL_BLOCKED);
    }

    static GuardrailVerdict verdict(Guardrail g, String outcome, Set<String> kinds, long start) {
        return verdict(g, "input", outcome, kinds, start);
    }

    static GuardrailVerdict verdict(Guardrail g, String stage, String outcome, Set<String> kinds, long start) {
        return new GuardrailVerdict(g.name(), stage, outcome, List.copyOf(kinds), System.nanoTime() - start);
    }
}
