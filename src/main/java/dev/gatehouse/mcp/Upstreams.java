package dev.gatehouse.mcp;

import dev.gatehouse.budget.Enforcement;
import dev.gatehouse.config.McpConfig;
import dev.gatehouse.routing.Snapshot;
import dev.gatehouse.secrets.TeamCredentials;
import dev.gatehouse.usage.UsageQuery;
import java.util.function.Function;
import java.util.function.Supplier;

/** Builds an upstream for a configured server: the built-in one, or one reached through the MCP SDK. */
public final class Upstreams {
    private Upstreams() {}

    /**
     * @param credentials teams' own credentials (BYOK), by the name a server's {@code credential} gives
     */
    public static Function<McpConfig.Server, McpUpstream> factory(Supplier<Snapshot> snapshot, Enforcement enforcement,
            UsageQuery usage, TeamCredentials credentials) {
        return server -> server.transport() == McpConfig.Transport.BUILTIN
                ? new BuiltinServer(server, snapshot, enforcement, usage)
                : new SdkUpstream(server, (teamId, name) -> credentials.forTeam(teamId).get(name));
    }
}
