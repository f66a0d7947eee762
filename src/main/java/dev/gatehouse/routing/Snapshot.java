package dev.gatehouse.routing;

import dev.gatehouse.access.Authenticator;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.routing.RoutingTable;
import java.util.List;
import java.util.Map;

/**
 * Everything a request reads, built from one config and swapped atomically on reload: a
 * request sees one consistent snapshot from start to end.
 */
public record Snapshot(
        GatehouseConfig config, Map<String, Provider> providers, RoutingTable routes, List<Authenticator> authenticators) {}
