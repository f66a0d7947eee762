package dev.gatehouse.routing;

import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.ModelConfig;
import dev.gatehouse.config.Timeouts;
import dev.gatehouse.provider.Provider;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Public model name → route, built once per config and read lock-free by every request. */
public final class RoutingTable {
    private final Map<String, Route> routes;

    private RoutingTable(Map<String, Route> routes) {
        this.routes = routes;
    }

    /**
     * Resolves every model's targets against the built providers. Deadlines resolve
     * target → model → provider → built-in defaults, field by field.
     */
    public static RoutingTable build(GatehouseConfig config, Map<String, Provider> providers) {
        Map<String, Route> routes = new LinkedHashMap<>();
        for (ModelConfig model : config.models().values()) {
            List<Target> targets = new ArrayList<>(model.targets().size());
            for (ModelConfig.TargetConfig target : model.targets()) {
                Provider provider = providers.get(target.provider());
                if (provider == null) {
                    throw new IllegalArgumentException("model '" + model.name() + "' targets unknown provider '" + target.provider() + "'");
                }
                Timeouts timeouts = target.timeouts().orElse(model.timeouts()).orElse(provider.timeouts()).orElse(Timeouts.DEFAULTS);
                boolean learnsFirstByte = target.timeouts().firstByte() == null && model.timeouts().firstByte() == null
                        && provider.timeouts().firstByte() == null;
                targets.add(new Target(provider, target.model() == null ? model.name() : target.model(), timeouts, target,
                        learnsFirstByte));
            }
            routes.put(model.name(), new Route(model.name(), model.type(), targets, model.strategy(),
                    model.fallbacks(), Capabilities.of(model), model.router()));
        }
        return new RoutingTable(Collections.unmodifiableMap(routes));
    }

    /** The route for a public model name, or null. */
    public Route find(String model) {
        return routes.get(model);
    }

    public Collection<Route> routes() {
        return routes.values();
    }
}
