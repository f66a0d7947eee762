package dev.gatehouse.admin;

import dev.gatehouse.call.Principal;
import dev.gatehouse.pricing.ModelPrice;
import dev.gatehouse.pricing.Pricing;
import dev.gatehouse.routing.Route;
import dev.gatehouse.routing.Snapshot;
import dev.gatehouse.routing.Target;
import dev.gatehouse.routing.TargetStatus;
import dev.gatehouse.web.Access;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AdminRoutes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code GET /admin/v1/models}: every public model the caller may use, with its strategy,
 * fallbacks, and per target the provider, price and live health (breaker, failure rate, latency,
 * in-flight), read from memory. Each caller sees only the models their policies allow.
 */
public final class ModelsEndpoints implements AdminEndpoints {
    private final Supplier<Snapshot> snapshot;
    private final Function<Target, TargetStatus> health;
    private final Supplier<Pricing> pricing;

    public ModelsEndpoints(Supplier<Snapshot> snapshot, Function<Target, TargetStatus> health, Supplier<Pricing> pricing) {
        this.snapshot = snapshot;
        this.health = health;
        this.pricing = pricing;
    }

    @Override
    public void register(AdminRoutes routes) {
        routes.get("/models", "List public models with their targets, prices and live health", Access.SELF,
                request -> Map.of("data", models(request.principal())));
    }

    private List<Map<String, Object>> models(Principal principal) {
        Pricing prices = pricing.get();
        List<Route> routes = new ArrayList<>(snapshot.get().routes().routes());
        routes.sort(Comparator.comparing(Route::publicName));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Route route : routes) {
            if (!principal.mayUseModel(route.publicName())) {
                continue;
            }
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("name", route.publicName());
            model.put("type", route.router() != null ? "router" : route.type());
            model.put("strategy", route.strategy());
            model.put("fallbacks", route.fallbacks());
            List<Map<String, Object>> targets = new ArrayList<>();
            for (Target target : route.targets()) {
                targets.add(target(target, prices.price(route.publicName(), target.upstreamModel())));
            }
            model.put("targets", targets);
            out.add(model);
        }
        return out;
    }

    private Map<String, Object> target(Target target, ModelPrice price) {
        TargetStatus status = health.apply(target);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("provider", target.provider().name());
        t.put("model", target.upstreamModel());
        t.put("weight", target.settings().weight());
        t.put("input_micros_per_million", price.input());
        t.put("output_micros_per_million", price.output());
        t.put("circuit", status.circuit().name().toLowerCase(Locale.ROOT));
        t.put("opened_at", status.openedAtMillis() == 0 ? null : status.openedAtMillis());
        t.put("failure_rate_percent", status.failureRatePercent() < 0 ? null : status.failureRatePercent());
        t.put("in_flight", status.inFlight());
        t.put("requests_last_minute", status.requestsLastMinute());
        t.put("avg_ttft_ms", status.ttftNanos() / 1_000_000);
        t.put("avg_duration_ms", status.durationNanos() / 1_000_000);
        return t;
    }
}
