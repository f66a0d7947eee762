package dev.gatehouse.api.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.AccessRules;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.mcp.McpPermissions;
import dev.gatehouse.mcp.McpServers;
import dev.gatehouse.mcp.McpUpstream;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway MCP tools a model request names, resolved for its caller: every tool must exist,
 * be up and be permitted, or the request is a 400 listing what did not resolve (never a silent
 * call without tools). Named in the body as OpenAI's remote-MCP tools
 * ({@code {"type": "mcp", "server_label": "docs", "allowed_tools": ["search"]}}) or in the
 * {@code x-gatehouse-mcp} header ({@code docs, gatehouse/whoami}: a server, or one tool of it).
 */
final class McpToolset {
    static final String HEADER = "x-gatehouse-mcp";

    /** One requested server and, optionally, which of its tools. */
    record Spec(String server, List<String> tools) {}

    /** A resolved tool as offered to the model. */
    record Tool(String name, McpUpstream server, McpSchema.Tool tool) {}

    private final Map<String, Tool> byName;

    private McpToolset(Map<String, Tool> byName) {
        this.byName = byName;
    }

    Map<String, Tool> tools() {
        return byName;
    }

    boolean owns(String name) {
        return byName.containsKey(name);
    }

    /** The specs of a chat body's {@code tools} of type mcp and of the header (null: none). */
    static List<Spec> specs(JsonNode body, String header) {
        List<Spec> specs = new ArrayList<>();
        JsonNode tools = body.path("tools");
        if (tools.isArray()) {
            for (JsonNode t : tools) {
                if ("mcp".equals(t.path("type").asText(null))) {
                    String label = t.path("server_label").asText(null);
                    if (label == null || label.isBlank()) {
                        throw GatewayException.invalid("A tool of type 'mcp' needs a server_label (the gateway's MCP server name).",
                                "tools");
                    }
                    if (t.hasNonNull("server_url") || t.hasNonNull("connector_id")) {
                        throw GatewayException.invalid("MCP tool '" + label + "': the gateway runs only its own MCP servers, named by"
                                + " server_label; server_url and connector_id are not supported.", "tools");
                    }
                    JsonNode approval = t.get("require_approval");
                    if (approval != null && !approval.isNull() && !"never".equals(approval.asText(null))) {
                        throw GatewayException.invalid("MCP tool '" + label + "': only require_approval 'never' is supported (the"
                                + " gateway runs the tools under the caller's policies; it has no approval step).", "tools");
                    }
                    List<String> allowed = null;
                    JsonNode a = t.get("allowed_tools");
                    if (a != null && a.isArray()) {
                        allowed = new ArrayList<>();
                        for (JsonNode n : a) {
                            allowed.add(n.asText());
                        }
                    } else if (a != null && a.isObject() && a.path("tool_names").isArray()) {
                        allowed = new ArrayList<>();
                        for (JsonNode n : a.path("tool_names")) {
                            allowed.add(n.asText());
                        }
                    }
                    specs.add(new Spec(label.trim(), allowed));
                }
            }
        }
        if (header != null) {
            Map<String, List<String>> fromHeader = new LinkedHashMap<>();
            for (String part : header.split(",")) {
                String p = part.trim();
                if (p.isEmpty()) {
                    continue;
                }
                int slash = p.indexOf('/');
                if (slash < 0) {
                    fromHeader.put(p, null);
                } else {
                    String server = p.substring(0, slash).trim();
                    List<String> list = fromHeader.computeIfAbsent(server, k -> new ArrayList<>());
                    if (list != null) {
                        list.add(p.substring(slash + 1).trim());
                    }
                }
            }
            fromHeader.forEach((server, list) -> specs.add(new Spec(server, list)));
        }
        return specs;
    }

    /** Resolves every spec for the call's caller, or throws a 400 listing each that did not resolve. */
    static McpToolset resolve(List<Spec> specs, Call call, McpServers.State state) {
        Map<String, Tool> byName = new LinkedHashMap<>();
        List<String> unresolved = new ArrayList<>();
        for (Spec spec : specs) {
            McpUpstream server = state.servers().get(spec.server());
            AccessRules.Denial denial = server == null ? null : McpPermissions.server(call.principal(), spec.server());
            if (server == null || denial != null) {
                unresolved.add("server '" + spec.server() + "' (" + (server == null ? "no such MCP server" : denial.reason()) + ")");
                continue;
            }
            if (!server.health().up()) {
                unresolved.add("server '" + spec.server() + "' (down: " + server.health().detail() + ")");
                continue;
            }
            Map<String, McpSchema.Tool> offered = new LinkedHashMap<>();
            server.tools().forEach(t -> offered.put(t.name(), t));
            List<String> wanted = spec.tools() == null ? new ArrayList<>(offered.keySet()) : spec.tools();
            int added = 0;
            for (String name : wanted) {
                McpSchema.Tool tool = offered.get(name);
                AccessRules.Denial toolDenial = tool == null ? null : McpPermissions.tool(call.principal(), server.name(), name);
                if (tool == null || toolDenial != null) {
                    if (spec.tools() != null) {
                        unresolved.add("tool '" + server.name() + "/" + name + "' ("
                                + (tool == null ? "the server has no such tool" : toolDenial.reason()) + ")");
                    }
                    continue;
                }
                byName.put(state.catalog().exposedName(server, name), new Tool(state.catalog().exposedName(server, name), server, tool));
                added++;
            }
            if (spec.tools() == null && added == 0) {
                unresolved.add("server '" + server.name() + "' (no tool of it may be used by this key)");
            }
        }
        if (!unresolved.isEmpty()) {
            throw new GatewayException(ErrorType.INVALID_REQUEST, "MCP tools that could not be resolved: "
                    + String.join("; ", unresolved) + ".", "tools", "mcp_tools_unresolved");
        }
        return new McpToolset(byName);
    }
}
