package dev.gatehouse.gateway;

import dev.gatehouse.cache.ResponseCache;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Futures;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Pipeline;
import dev.gatehouse.call.Stage;
import dev.gatehouse.routing.AutoRouter;
import dev.gatehouse.routing.Eligibility;
import dev.gatehouse.routing.Route;
import dev.gatehouse.routing.Router;
import dev.gatehouse.routing.Snapshot;
import dev.gatehouse.routing.Target;
import dev.gatehouse.routing.TargetHealth;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The request path after a caller API has decoded the request: stages, routing, execution.
 * Caller APIs (OpenAI, Anthropic) call {@link #admit} before reading the body and
 * {@link #dispatch} once they know the model.
 */
public final class Gateway {
    private final Vertx vertx;
    private final Supplier<Snapshot> snapshot;
    private final Pipeline admission;
    private final Pipeline preRouting;
    private final Router router;
    private final TargetHealth health;
    private Consumer<Call> started = call -> {};
    private ResponseCache cache;
    private InFlightLimit inFlight = new InFlightLimit(() -> Integer.MAX_VALUE);

    /**
     * @param admission stages that need only the headers (authenticate); they run before the body is parsed
     * @param preRouting stages that need the model (authorize, rate limits, budgets)
     * @param health learns from every attempt; the router reads it (circuit breakers, latency)
     */
    public Gateway(Vertx vertx, Supplier<Snapshot> snapshot, List<Stage> admission, List<Stage> preRouting, Router router,
            TargetHealth health) {
        this.vertx = vertx;
        this.snapshot = snapshot;
        this.admission = new Pipeline(admission);
        this.preRouting = new Pipeline(preRouting);
        this.router = router;
        this.health = health;
    }

    public Snapshot snapshot() {
        return snapshot.get();
    }

    public Future<Void> admit(Call call) {
        started.accept(call);
        return Futures.andThen(admission.run(call), admitted -> {
            if (admitted.succeeded() && call.principal() != null) {
                var config = snapshot.get().config();
                call.zdr(config.zdr().applies(call.principal().keyId(), call.principal().teamId()));
                // Bodies are kept only for listed teams, and never under zero data retention.
                call.storeBodies(!call.zdr() && call.principal().teamId() != null
                        && config.requestLog().bodyTeams().contains(call.principal().teamId()));
            }
        });
    }

    /** Told about every call as it starts (before authentication): tracing opens its span here. */
    public Gateway onCallStarted(Consumer<Call> started) {
        this.started = started;
        return this;
    }

    /**
     * The answer cache, asked after the model-aware stages (authorize, rate limits, budget,
     * guardrails on the request) and before routing; null: no cache. When the cache is configured
     * off a call pays one boolean check.
     */
    public Gateway cache(ResponseCache cache) {
        this.cache = cache;
        return this;
    }

    /** The node's limit of calls in flight, taken by the caller endpoints before a call's body is read. */
    public Gateway inFlight(InFlightLimit inFlight) {
        this.inFlight = inFlight;
        return this;
    }

    public InFlightLimit inFlight() {
        return inFlight;
    }

    /** Header a caller may send to name its own fallback models, e.g. {@code x-gatehouse-fallbacks: gpt-4o, claude-sonnet-4-5}. */
    public static final String FALLBACKS_HEADER = "x-gatehouse-fallbacks";

    /**
     * The fallback models, in order: the caller's own (header) first, then the model's configured
     * ones, then the gateway-wide defaults; duplicates and the model itself removed.
     */
    private static List<String> fallbacks(Route route, Call call, Snapshot current, List<String> candidates) {
        LinkedHashSet<String> models = new LinkedHashSet<>();
        String header = call.headers().get(FALLBACKS_HEADER);
        if (header != null) {
            for (String model : header.split(",")) {
                if (!model.isBlank()) {
                    models.add(model.trim());
                }
            }
        }
        models.addAll(candidates); // a router model's other qualifying candidates
        models.addAll(route.fallbacks());
        models.addAll(current.config().routing().fallbacks());
        models.remove(route.publicName());
        return List.copyOf(models);
    }

    /**
     * A fallback model's targets, or none when {@link Eligibility} says the caller may not use
     * it (it does not exist, is a router model, serves the other endpoint, or the caller's
     * policies deny it): a fallback never widens what the caller may use.
     */
    private List<Target> fallbackPlan(String model, Call call, Snapshot current, Eligibility eligibility) {
        Route route = current.routes().find(model);
        if (!Eligibility.candidate(call, model, route).allowed()) {
            return List.of();
        }
        try {
            return router.plan(route, call, eligibility);
        } catch (GatewayException denied) {
            return List.of(); // every target's provider denied by policy
        }
    }

    /** Runs the model-aware stages, picks the targets and executes. The future ends when the response has. */
    public Future<Void> dispatch(Call call, CallerFormat caller, HttpServerResponse out) {
        Snapshot current = snapshot.get();
        Route route = current.routes().find(call.model());
        // Unknown is a 404; denied gets a 403 naming the policy, so the caller knows whom to ask; the other endpoint's model a 400.
        Eligibility.Verdict verdict = Eligibility.model(call, call.model(), route);
        if (!verdict.allowed()) {
            return Future.failedFuture(verdict.error());
        }
        Eligibility eligibility = Eligibility.of(current);
        if (route.router() == null) {
            return run(route, null, call, caller, out, current, eligibility);
        }
        return Futures.compose(router.choose(route, call, current.routes(), caller::chatRequest), choice -> {
            call.model(choice.model()); // from here on (limits, budgets, plan, logs) the call is the chosen model's
            return run(current.routes().find(choice.model()), choice, call, caller, out, current, eligibility);
        });
    }

    /** @param chosen a router model's choice, or null when the caller named {@code routed} itself */
    private Future<Void> run(Route routed, AutoRouter.Choice chosen, Call call, CallerFormat caller, HttpServerResponse out,
            Snapshot current, Eligibility eligibility) {
        return Futures.compose(preRouting.run(call), v -> {
            ResponseCache.Lookup lookup = cache != null && cache.enabled()
                    ? cache.prepare(call, caller.requestBody(), caller::chatRequest) : null;
            if (lookup == null) {
                return execute(routed, chosen, call, caller, out, current, eligibility, null);
            }
            return Futures.compose(cache.find(lookup), hit -> {
                if (hit != null) {
                    return CacheReplay.replay(call, hit, out);
                }
                // Also after no-cache: the answer comes from upstream, not from the cache.
                call.cacheStatus(ResponseCache.MISS);
                call.responseHeader(ResponseCache.STATUS_HEADER, ResponseCache.MISS);
                return execute(routed, chosen, call, caller, out, current, eligibility, cache.recording(lookup));
            });
        });
    }

    /** Plans the targets and runs the attempts; {@code recording} (null: none) keeps a successful answer for the cache. */
    private Future<Void> execute(Route routed, AutoRouter.Choice chosen, Call call, CallerFormat caller, HttpServerResponse out,
            Snapshot current, Eligibility eligibility, ResponseCache.Recording recording) {
        List<Target> targets = router.plan(routed, call, eligibility);
        if (chosen != null) {
            call.routeReason(chosen.reason() + "; " + call.routeReason());
        }
        AttemptPlan plan = new AttemptPlan(call.model(), targets,
                fallbacks(routed, call, current, chosen == null ? List.of() : chosen.fallbacks()),
                model -> fallbackPlan(model, call, current, eligibility));
        if (call.zdr() && targets.isEmpty() && !plan.anyLeft()) {
            throw Eligibility.zdrNoTarget(call.model());
        }
        return new Execution(vertx, call, caller, plan, out, health, current.config().routing()).recording(recording).start();
    }
}
