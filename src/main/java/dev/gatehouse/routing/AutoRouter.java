package dev.gatehouse.routing;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.ResponseFormat;
import dev.gatehouse.config.RouterConfig;
import dev.gatehouse.pricing.ModelPrice;
import dev.gatehouse.pricing.Pricing;
import dev.gatehouse.pricing.TokenCounter;
import dev.gatehouse.pricing.TokenEstimate;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Picks the public model that serves a request sent to a router model ({@code router:} in config).
 * Rules first, in order, first match wins: header, team and key rules read only the call, so a
 * request they route is never decoded. Then, when configured, semantic routing ({@link SemanticRouter}):
 * the model labelling the example prompt nearest to the last message. Otherwise every candidate is checked against what the
 * request needs (vision for an image part, tools, json-schema, and a context window that holds the
 * prompt counted with o200k_base plus {@code max_tokens}), the caller's model policy and the
 * latency target; the qualifying ones are ordered by estimated cost or by moving-average latency.
 * The first serves (routed normally: its strategy, targets and fallbacks), the rest are its fallbacks.
 * A router never widens what the caller may use: candidates and rule models the caller's policy
 * denies are skipped.
 */
public final class AutoRouter {

    /**
     * @param model the public model that serves the call
     * @param fallbacks the other qualifying candidates, in order (empty when a rule or semantic routing chose)
     * @param reason why, e.g. {@code router=auto; rule=2 (team research) -> claude-sonnet-4-5}
     */
    public record Choice(String model, List<String> fallbacks, String reason) {}

    private final TargetHealth health;
    private final Supplier<Pricing> pricing;
    private final SemanticRouter semantic;

    AutoRouter(TargetHealth health, Supplier<Pricing> pricing) {
        this.health = health;
        this.pricing = pricing;
        this.semantic = new SemanticRouter(health);
    }

    /**
     * Rules, then semantic similarity (when configured; asynchronous, and skipped when the
     * embedding model cannot be reached), then capabilities.
     */
    Future<Choice> choose(Route router, Call call, RoutingTable routes, Supplier<ChatRequest> content) {
        try {
            Facts facts = new Facts(call, content);
            StringBuilder reason = new StringBuilder("router=").append(router.publicName());
            Choice byRule = byRules(router, call, routes, facts, reason);
            if (byRule != null) {
                return Future.succeededFuture(byRule);
            }
            RouterConfig.Semantic examples = router.router().semantic();
            if (examples == null) {
                return Future.succeededFuture(byCapabilities(router, call, routes, facts, health, prices(), reason));
            }
            return semantic.nearest(examples, routes, facts.lastMessage()).transform(nearest -> {
                SemanticRouter.Match match = nearest.succeeded() ? nearest.result() : null;
                if (match != null && match.model() != null && mayUse(call, match.model(), routes)) {
                    reason.append(String.format(Locale.ROOT, "; semantic=%s (similarity %.2f)", match.model(), match.similarity()));
                    return Future.succeededFuture(new Choice(match.model(), List.of(), reason.toString()));
                }
                reason.append(match == null ? "; semantic=unavailable"
                        : String.format(Locale.ROOT, "; semantic=no match (best %.2f)", match.similarity()));
                try {
                    return Future.succeededFuture(byCapabilities(router, call, routes, facts, health, prices(), reason));
                } catch (RuntimeException e) {
                    return Future.failedFuture(e);
                }
            });
        } catch (RuntimeException e) {
            return Future.failedFuture(e); // no candidate qualifies, or the body does not decode
        }
    }

    private Pricing prices() {
        return pricing == null ? null : pricing.get();
    }

    /**
     * @param content the decoded request, asked for only when a rule or the capability check needs
     *     it; null (or a supplier returning null) when the caller format offers none
     * @throws GatewayException 400 when no candidate can serve the request, naming what is missing
     */
    /** Rules, then capabilities, without semantic routing: synchronous, for tests and tools. */
    public static Choice select(Route router, Call call, RoutingTable routes, Supplier<ChatRequest> content,
            TargetHealth health, Pricing pricing) {
        Facts facts = new Facts(call, content);
        StringBuilder reason = new StringBuilder("router=").append(router.publicName());
        Choice byRule = byRules(router, call, routes, facts, reason);
        return byRule != null ? byRule : byCapabilities(router, call, routes, facts, health, pricing, reason);
    }

    /** The first matching rule's model, or null (with skipped rules noted on {@code reason}). */
    static Choice byRules(Route router, Call call, RoutingTable routes, Facts facts, StringBuilder reason) {
        for (RouterConfig.Rule rule : router.router().rules()) {
            if (matches(rule.when(), facts)) {
                if (mayUse(call, rule.use(), routes)) {
                    reason.append("; rule=").append(rule.number()).append(" (").append(describe(rule.when())).append(") -> ")
                            .append(rule.use());
                    return new Choice(rule.use(), List.of(), reason.toString());
                }
                reason.append("; rule=").append(rule.number()).append(" skipped (").append(rule.use()).append(" not allowed)");
            }
        }
        return null;
    }

    static Choice byCapabilities(Route router, Call call, RoutingTable routes, Facts facts, TargetHealth health,
            Pricing pricing, StringBuilder reason) {
        RouterConfig config = router.router();
        Set<String> needs = facts.needs();
        long promptTokens = facts.promptTokens();
        Integer maxTokens = facts.maxTokens();
        long needed = promptTokens + (maxTokens == null ? 0 : maxTokens);
        boolean stream = call.stream();
        List<Route> qualifying = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String name : config.candidates()) {
            Route candidate = routes.find(name);
            Eligibility.Verdict verdict = Eligibility.candidate(call, name, candidate);
            if (verdict.rule() == Eligibility.Rule.MODEL_POLICY) {
                skipped.add(name + " (not allowed)");
                continue;
            }
            if (!verdict.allowed()) {
                continue; // missing, a router, or an embedding model: checked at config load; a reload may race
            }
            Set<String> missing = new TreeSet<>(needs);
            missing.removeAll(candidate.capabilities());
            if (!missing.isEmpty()) {
                skipped.add(name + " (no " + String.join(", no ", missing) + ")");
                continue;
            }
            long window = contextWindow(candidate, pricing);
            if (window > 0 && needed > window) {
                skipped.add(name + " (context window " + window + " < " + needed + " tokens needed)");
                continue;
            }
            if (config.latencyTarget() != null) {
                long latency = latency(candidate, health, stream);
                if (latency > config.latencyTarget().toNanos()) {
                    skipped.add(name + " (latency " + Duration.ofNanos(latency).toMillis() + "ms > target "
                            + config.latencyTarget().toMillis() + "ms)");
                    continue;
                }
            }
            qualifying.add(candidate);
        }
        String needText = needs.isEmpty() ? "none" : String.join(",", new TreeSet<>(needs));
        reason.append("; capabilities=").append(needText).append("; prompt-tokens=").append(promptTokens);
        if (qualifying.isEmpty()) {
            throw noCandidate(router, needText, needed, skipped);
        }
        boolean byCost = !"latency".equals(config.prefer());
        if (qualifying.size() > 1) {
            long output = maxTokens == null || maxTokens <= 0 ? LowestCostStrategy.TYPICAL_OUTPUT : maxTokens;
            qualifying.sort(byCost
                    ? Comparator.comparingDouble(r -> cost(r, pricing, promptTokens, output))
                    : Comparator.comparingLong(r -> latency(r, health, stream)));
        }
        String chosen = qualifying.getFirst().publicName();
        reason.append("; chose=").append(chosen).append(byCost ? " (cheapest qualifying)" : " (fastest qualifying)");
        if (!skipped.isEmpty()) {
            reason.append("; not-qualifying=").append(String.join(", ", skipped));
        }
        List<String> fallbacks = qualifying.subList(1, qualifying.size()).stream().map(Route::publicName).toList();
        return new Choice(chosen, fallbacks, reason.toString());
    }

    private static GatewayException noCandidate(Route router, String needs, long needed, List<String> skipped) {
        return new GatewayException(ErrorType.INVALID_REQUEST, "No candidate of the router model '" + router.publicName()
                + "' can serve this request (needs capabilities: " + needs + "; " + needed + " tokens of context): "
                + (skipped.isEmpty() ? "none configured" : String.join("; ", skipped))
                + ". Remove what the request needs, or add a candidate that can serve it.", "model", "no_qualifying_model");
    }

    /**
     * Bodies up to this size are tokenized exactly for prompt-token rules; larger ones are
     * estimated from their size (about 4 bytes a token): routing runs on the event loop, and a
     * 10 MB prompt took seconds to tokenize, stalling every request on that loop.
     */
    static final long EXACT_COUNT_MAX_BYTES = 256 * 1024;

    static boolean countsExactly(long requestBytes) {
        return requestBytes <= EXACT_COUNT_MAX_BYTES;
    }

    /** Whether a rule's or semantic routing's model may serve this call, as {@link Eligibility#candidate} decides. */
    static boolean mayUse(Call call, String model, RoutingTable routes) {
        return Eligibility.candidate(call, model, routes.find(model)).allowed();
    }

    static boolean matches(RouterConfig.Condition when, Facts facts) {
        Call call = facts.call;
        for (Map.Entry<String, String> header : when.headers().entrySet()) {
            String value = call.headers() == null ? null : call.headers().get(header.getKey());
            if (value == null || !value.trim().equalsIgnoreCase(header.getValue())) {
                return false;
            }
        }
        Principal principal = call.principal();
        if (!when.teams().isEmpty() && !oneOf(when.teams(), principal == null ? null : principal.teamId())) {
            return false;
        }
        if (!when.keys().isEmpty() && !oneOf(when.keys(), principal == null ? null : principal.keyId())) {
            return false;
        }
        // Content conditions last: the cheap ones above may already have said no, and then nothing is decoded.
        if (when.promptTokensOver() != null && facts.promptTokens() <= when.promptTokensOver()) {
            return false;
        }
        if (when.lastMessageMatches() != null && !when.lastMessageMatches().matcher(facts.lastMessage()).find()) {
            return false;
        }
        return when.keywordPattern() == null || when.keywordPattern().matcher(facts.lastMessage()).find();
    }

    /** Null-safe: immutable lists throw on {@code contains(null)}, and a caller without a team or key is common. */
    private static boolean oneOf(List<String> values, String value) {
        return value != null && values.contains(value);
    }

    static String describe(RouterConfig.Condition when) {
        List<String> parts = new ArrayList<>();
        when.headers().forEach((name, value) -> parts.add("header " + name + "=" + value));
        if (!when.teams().isEmpty()) {
            parts.add("team " + String.join("|", when.teams()));
        }
        if (!when.keys().isEmpty()) {
            parts.add("key " + String.join("|", when.keys()));
        }
        if (when.promptTokensOver() != null) {
            parts.add("prompt-tokens-over " + when.promptTokensOver());
        }
        if (when.lastMessageMatches() != null) {
            parts.add("last-message-matches");
        }
        if (!when.keywords().isEmpty()) {
            parts.add("keywords");
        }
        return String.join(" and ", parts);
    }

    /**
     * The largest context window among the model's targets (configured {@code context-window},
     * else the catalogue's), 0 when none is known. The largest, because a context-length error
     * on a smaller target fails over to a larger one.
     */
    static long contextWindow(Route route, Pricing pricing) {
        long best = 0;
        for (Target target : route.targets()) {
            Integer configured = target.settings().contextWindow();
            long window = configured != null ? configured
                    : pricing == null ? 0 : pricing.price(route.publicName(), target.upstreamModel()).contextTokens();
            best = Math.max(best, window);
        }
        return best;
    }

    /** The model's fastest target by moving average (as least-latency reads it); 0 when nothing is known yet. */
    static long latency(Route route, TargetHealth health, boolean stream) {
        long best = Long.MAX_VALUE;
        for (Target target : route.targets()) {
            best = Math.min(best, LeastLatencyStrategy.latency(health.status(target), stream));
        }
        return best == Long.MAX_VALUE ? 0 : best;
    }

    /** Estimated cost of this request on the model's cheapest priced target; unpriced models go last. */
    static double cost(Route route, Pricing pricing, long inputTokens, long outputTokens) {
        double best = Double.POSITIVE_INFINITY;
        if (pricing == null) {
            return best;
        }
        for (Target target : route.targets()) {
            ModelPrice price = pricing.price(route.publicName(), target.upstreamModel());
            if (price.input() != 0 || price.output() != 0) {
                best = Math.min(best, (double) inputTokens * price.input() + (double) outputTokens * price.output());
            }
        }
        return best;
    }

    /** What the rules and the capability check read from the request, each worked out at most once. */
    static final class Facts {
        final Call call;
        private final Supplier<ChatRequest> content;
        private ChatRequest request;
        private boolean decoded;
        private long promptTokens = -1;
        private String lastMessage;

        Facts(Call call, Supplier<ChatRequest> content) {
            this.call = call;
            this.content = content;
        }

        /** The decoded request, or null when the caller format offers none. */
        ChatRequest request() {
            if (!decoded) {
                decoded = true;
                request = content == null ? null : content.get();
            }
            return request;
        }

        /**
         * Prompt tokens by o200k_base (images and tools estimated); from the body size without a
         * decoded request, or when the body is too large to tokenize on the event loop.
         */
        long promptTokens() {
            if (promptTokens < 0) {
                ChatRequest r = countsExactly(call.requestBytes()) ? request() : null;
                promptTokens = r != null ? TokenCounter.count(r) : TokenEstimate.typical(call.requestBytes());
            }
            return promptTokens;
        }

        Integer maxTokens() {
            Integer cap = call.maxOutputTokens();
            if (cap == null && request() != null) {
                cap = request().maxTokens();
            }
            return cap;
        }

        /** The text of the last message ("" when there is none). */
        String lastMessage() {
            if (lastMessage == null) {
                ChatRequest r = request();
                lastMessage = r == null || r.messages().isEmpty() ? "" : r.messages().getLast().plainText();
            }
            return lastMessage;
        }

        /** The capabilities the request needs: vision (an image part), tools, json-schema. */
        Set<String> needs() {
            ChatRequest r = request();
            if (r == null) {
                return Set.of();
            }
            Set<String> needs = new TreeSet<>();
            for (Message m : r.messages()) {
                for (ContentPart part : m.content()) {
                    if (part instanceof ContentPart.Image) {
                        needs.add(Capabilities.VISION);
                    }
                }
            }
            if (!r.tools().isEmpty()) {
                needs.add(Capabilities.TOOLS);
            }
            if (r.responseFormat() instanceof ResponseFormat.JsonSchema) {
                needs.add(Capabilities.JSON_SCHEMA);
            }
            return needs;
        }
    }
}
