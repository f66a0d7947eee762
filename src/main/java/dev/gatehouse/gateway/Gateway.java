package dev.gatehouse.gateway;


import dev.gatehouse.access.AuthorizeStage;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.Futures;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Pipeline;
import dev.gatehouse.call.Stage;
import dev.gatehouse.routing.Snapshot;
import dev.gatehouse.call.AccessRules;
import dev.gatehouse.routing.AutoRouter;
import dev.gatehouse.routing.Route;
import dev.gatehouse.routing.Router;
import dev.gatehouse.routing.Target;
import dev.gatehouse.routing.TargetHealth;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
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
    private java.util.function.Consumer<Call> started = call -> {};

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
    public Gateway onCallStarted(java.util.function.Consumer<Call> started) {
        this.started = started;
        return this;
    }

    /** Header a caller may send to name its own fallback models, e.g. {@code x-gatehouse-fallbacks: gpt-4o, claude-sonnet-4-5}. */
    public static final String FALLBACKS_HEADER = "x-gatehouse-fallbacks";

    /**
     * The fallback models, in order: the caller's own (header) first, then the model's configured
     * ones, then the gateway-wide defaults; duplicates and the model itself removed.
     */
    private static List<String> fallbacks(Route route, Call call, Snapshot current, List<String> candidates) {
        java.util.LinkedHashSet<String> models = new java.util.LinkedHashSet<>();
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
     * A fallback model's targets, or none when it does not exist, serves the other endpoint, or
     * the caller's policies do not allow it: a fallback never widens what the caller may use.
     */
    private List<Target> fallbackPlan(String model, boolean embeddingsCall, Call call, Snapshot current) {
        Route route = current.routes().find(model);
        if (route == null || route.router() != null || route.embedding() != embeddingsCall || !call.principal().mayUseModel(model)) {
            return List.of();
        }
        try {
            return ZdrTargets.filter(router.plan(route, call), call, current);
        } catch (GatewayException denied) {
            return List.of(); // every target's provider denied by policy
        }
    }

    /** Runs the model-aware stages, picks the targets and executes. The future ends when the response has. */
    public Future<Void> dispatch(Call call, CallerFormat caller, HttpServerResponse out) {
        Snapshot current = snapshot.get();
        Route route = current.routes().find(call.model());
        if (route == null) {
            return Future.failedFuture(new GatewayException(ErrorType.NOT_FOUND,
                    "The model '" + call.model() + "' does not exist or you do not have access to it. GET /v1/models lists the models you can use.",
                    "model", "model_not_found"));
        }
        // A model that exists but is denied gets a 403 naming the policy, so the caller knows whom to ask.
        AccessRules.Denial denial = call.principal().rules().checkModel(call.model());
        if (denial != null) {
            return Future.failedFuture(AuthorizeStage.denied(denial));
        }
        boolean embeddingsCall = call.endpoint() == Endpoint.EMBEDDINGS;
        if (route.embedding() != embeddingsCall) {
            return Future.failedFuture(GatewayException.invalid(route.embedding()
                    ? "The model '" + call.model() + "' is an embedding model; use it with POST /v1/embeddings."
                    : "The model '" + call.model() + "' is a chat model; use it with POST /v1/chat/completions.", "model"));
        }
        if (route.router() == null) {
            return run(route, null, call, caller, out, current, embeddingsCall);
        }
        return Futures.compose(router.choose(route, call, current.routes(), caller::chatRequest), choice -> {
            call.model(choice.model()); // from here on (limits, budgets, plan, logs) the call is the chosen model's
            return run(current.routes().find(choice.model()), choice, call, caller, out, current, embeddingsCall);
        });
    }

    /** @param chosen a router model's choice, or null when the caller named {@code routed} itself */
    private Future<Void> run(Route routed, AutoRouter.Choice chosen, Call call, CallerFormat caller, HttpServerResponse out,
            Snapshot current, boolean embeddingsCall) {
        return Futures.compose(preRouting.run(call), v -> {
            List<Target> targets = ZdrTargets.filter(router.plan(routed, call), call, current);
            if (chosen != null) {
                call.routeReason(chosen.reason() + "; " + call.routeReason());
            }
            AttemptPlan plan = new AttemptPlan(call.model(), targets,
                    fallbacks(routed, call, current, chosen == null ? List.of() : chosen.fallbacks()),
                    model -> fallbackPlan(model, embeddingsCall, call, current));
            if (call.zdr() && targets.isEmpty() && !plan.anyLeft()) {
                throw ZdrTargets.noTarget(call.model());
            }
            return new Execution(vertx, call, caller, plan, out, health, current.config().routing()).start();
        });
    }
}
