package dev.gatehouse.mcp;

import dev.gatehouse.call.AccessRules;
import dev.gatehouse.call.Principal;

/**
 * Who may see and call which MCP tool: the caller's access policies, denied by default. The
 * master key may use every tool. A lookup that fails denies (fails closed), never allows.
 */
public final class McpPermissions {
    private McpPermissions() {}

    /** Null when the caller may list and call {@code tool} of {@code server}, else the denial. */
    public static AccessRules.Denial tool(Principal caller, String server, String tool) {
        if (caller == null) {
            return new AccessRules.Denial("(unauthenticated)", "The caller is not authenticated.");
        }
        if ("master-key".equals(caller.kind())) {
            return null;
        }
        try {
            return caller.rules().checkTool(server, tool);
        } catch (RuntimeException e) {
            return failedLookup();
        }
    }

    /** Null when some of {@code server}'s tools, resources or prompts may be used. */
    public static AccessRules.Denial server(Principal caller, String server) {
        if (caller == null) {
            return new AccessRules.Denial("(unauthenticated)", "The caller is not authenticated.");
        }
        if ("master-key".equals(caller.kind())) {
            return null;
        }
        try {
            return caller.rules().checkServer(server);
        } catch (RuntimeException e) {
            return failedLookup();
        }
    }

    private static AccessRules.Denial failedLookup() {
        return new AccessRules.Denial("(lookup failed)",
                "The caller's access policies could not be read, so MCP access is denied; try again shortly.");
    }
}
