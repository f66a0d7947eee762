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

    /**
     * One requested server and, optionally, which of its tools.
     *
     * @param tools the tools asked for by name (each must resolve), or null: every tool the caller may use
     * @param excluded tools left out of "every tool" (Anthropic's per-tool {@code enabled: false})
     */
    record Spec(String server, List<String> tools, java.util.Set<String> excluded) {
        Spec(String server, List<String> tools) {
            this(server, tools, java.util.Set.of());
        }
    }

    /**
     * A resolved tool as offered to the model.
     *
     * @param name the function name the model sees: the namespaced name made safe for every provider
     * @param exposed the namespaced name ({@code server__tool}) the gateway resolves and logs
     */
    record Tool(String name, String exposed, McpUpstream server, McpSchema.Tool tool) {}

    /** Function names every provider accepts: OpenAI's pattern and length (Anthropic's and Gemini's are wider). */
    private static final java.util.regex.Pattern UNSAFE = java.util.regex.Pattern.compile("[^a-zA-Z0-9_-]");
    private static final int MAX_NAME = 64;

    /**
     * {@code exposed} as a function name models accept: characters outside {@code [a-zA-Z0-9_-]}
     * become {@code _} and long names are cut, with a number added when two tools would meet.
     * The map back to the tool is the toolset's, so nothing is parsed out of the name.
     */
    static String modelName(String exposed, java.util.Set<String> taken) {
        String base = UNSAFE.matcher(exposed).replaceAll("_");
        if (base.length() > MAX_NAME) {
            base = base.substring(0, MAX_NAME);
        }
        String name = base;
        for (int n = 2; taken.contains(name); n++) {
            String suffix = "_" + n;
            name = (base.length() + suffix.length() > MAX_NAME ? base.substring(0, MAX_NAME - suffix.length()) : base) + suffix;
        }
        return name;
    }

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
        header(header, specs);
        return specs;
    }

    /**
     * The specs of an Anthropic Messages body: the MCP connector's {@code mcp_servers} (each
     * {@code name} a gateway server; {@code tool_configuration} of the 2025-04-04 version, or the
     * {@code mcp_toolset} tools of the 2025-11-20 version choosing its tools), and the header.
     */
    static List<Spec> anthropicSpecs(JsonNode body, String header) {
        List<Spec> specs = new ArrayList<>();
        JsonNode servers = body.path("mcp_servers");
        if (!servers.isMissingNode() && !servers.isNull() && !servers.isArray()) {
            throw GatewayException.invalid("mcp_servers: expected an array of MCP server definitions.", "mcp_servers");
        }
        Map<String, JsonNode> toolsets = new LinkedHashMap<>();
        body.path("tools").forEach(t -> {
            if ("mcp_toolset".equals(t.path("type").asText(null))) {
                toolsets.put(t.path("mcp_server_name").asText(""), t);
            }
        });
        for (int i = 0; i < servers.size(); i++) {
            JsonNode s = servers.get(i);
            String param = "mcp_servers." + i;
            String name = s.path("name").asText(null);
            if (name == null || name.isBlank()) {
                throw GatewayException.invalid(param + ".name: required (the gateway's MCP server name).", param + ".name");
            }
            String url = s.path("url").asText(null);
            if (url != null && !url.isEmpty() && !url.endsWith("/mcp/" + name)) {
                throw GatewayException.invalid(param + ".url: the gateway runs only its own MCP servers, named by 'name'; omit url or"
                        + " give the gateway's own endpoint for it (.../mcp/" + name + ").", param + ".url");
            }
            if (s.hasNonNull("authorization_token")) {
                throw GatewayException.invalid(param + ".authorization_token: not used; the gateway reaches its servers with its own"
                        + " or your team's stored credential.", param + ".authorization_token");
            }
            JsonNode config = s.path("tool_configuration");
            JsonNode toolset = toolsets.remove(name);
            if (toolset != null) {
                boolean byDefault = toolset.path("default_config").path("enabled").asBoolean(true);
                List<String> enabled = new ArrayList<>();
                java.util.Set<String> disabled = new java.util.LinkedHashSet<>();
                toolset.path("configs").fields().forEachRemaining(e -> {
                    if (e.getValue().path("enabled").asBoolean(byDefault)) {
                        enabled.add(e.getKey());
                    } else {
                        disabled.add(e.getKey());
                    }
                });
                if (byDefault) {
                    specs.add(new Spec(name.trim(), null, disabled));
                } else if (!enabled.isEmpty()) {
                    specs.add(new Spec(name.trim(), enabled));
                }
            } else if (config.path("enabled").asBoolean(true)) {
                List<String> allowed = null;
                if (config.path("allowed_tools").isArray()) {
                    allowed = new ArrayList<>();
                    for (JsonNode n : config.path("allowed_tools")) {
                        allowed.add(n.asText());
                    }
                }
                specs.add(new Spec(name.trim(), allowed));
            }
        }
        if (!toolsets.isEmpty()) {
            throw GatewayException.invalid("An mcp_toolset names an MCP server that is not in mcp_servers: "
                    + String.join(", ", toolsets.keySet()) + ".", "tools");
        }
        header(header, specs);
        return specs;
    }

    private static void header(String header, List<Spec> specs) {
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
            List<String> wanted = new ArrayList<>(spec.tools() == null ? offered.keySet() : spec.tools());
            int added = 0;
            wanted.removeIf(spec.excluded()::contains);
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
                String exposed = state.catalog().exposedName(server, name);
                String offeredName = modelName(exposed, byName.keySet());
                byName.put(offeredName, new Tool(offeredName, exposed, server, tool));
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
