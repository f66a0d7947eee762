package dev.gatehouse.identity;

import dev.gatehouse.call.AccessRules;
import dev.gatehouse.identity.AccessPolicy;
import dev.gatehouse.identity.Glob;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The access policies that apply to one caller (its key's, user's and team's), compiled once
 * when the policies are loaded. Every policy must allow a request (intersection); the first that
 * does not is named in the denial. Pure memory, safe on the event loop.
 */
public final class PolicyRules implements AccessRules {
    /** A policy with its glob patterns compiled. */
    public record Compiled(AccessPolicy policy, List<Pattern> models, List<Pattern> providers, List<Pattern> mcpServers,
            List<Pattern> mcpTools, List<Pattern> vectorStores) {
        public static Compiled of(AccessPolicy policy) {
            return new Compiled(policy, policy.models().stream().map(Glob::compile).toList(),
                    policy.providers().stream().map(Glob::compile).toList(),
                    policy.mcpServers().stream().map(Glob::compile).toList(),
                    policy.mcpTools().stream().map(Glob::compile).toList(),
                    policy.vectorStores().stream().map(Glob::compile).toList());
        }
    }

    private final List<Compiled> policies;

    private PolicyRules(List<Compiled> policies) {
        this.policies = List.copyOf(policies);
    }

    /** {@link AccessRules#ALLOW_ALL} when no policy applies. */
    public static AccessRules of(List<Compiled> policies) {
        return policies.isEmpty() ? AccessRules.ALLOW_ALL : new PolicyRules(policies);
    }

    @Override
    public List<String> policyNames() {
        List<String> names = new ArrayList<>(policies.size());
        policies.forEach(c -> names.add(c.policy().name()));
        return names;
    }

    @Override
    public Denial checkModel(String model) {
        for (Compiled c : policies) {
            if (!c.models().isEmpty() && !anyMatches(c.models(), model)) {
                return denial(c, "The model '" + model + "' is denied by policy '" + c.policy().name()
                        + "', which allows only: " + String.join(", ", c.policy().models()) + ".");
            }
        }
        return null;
    }

    @Override
    public Denial checkRequest(String endpoint, String model, String provider, Integer maxTokens) {
        for (Compiled c : policies) {
            AccessPolicy p = c.policy();
            if (endpoint != null && !p.endpoints().isEmpty() && !p.endpoints().contains(endpoint)) {
                return denial(c, "The endpoint '" + endpoint + "' is denied by policy '" + p.name()
                        + "', which allows only: " + String.join(", ", p.endpoints()) + ".");
            }
        }
        if (model != null) {
            Denial denial = checkModel(model);
            if (denial != null) {
                return denial;
            }
        }
        for (Compiled c : policies) {
            AccessPolicy p = c.policy();
            if (provider != null && !c.providers().isEmpty() && !anyMatches(c.providers(), provider)) {
                return denial(c, "The provider '" + provider + "' is denied by policy '" + p.name()
                        + "', which allows only: " + String.join(", ", p.providers()) + ".");
            }
            if (p.maxTokens() != null && generates(endpoint)) {
                if (maxTokens == null) {
                    return denial(c, "A request without max_tokens is denied by policy '" + p.name()
                            + "': set max_tokens (or max_completion_tokens) to at most " + p.maxTokens() + ".");
                }
                if (maxTokens > p.maxTokens()) {
                    return denial(c, "max_tokens " + maxTokens + " is denied by policy '" + p.name()
                            + "', which allows at most " + p.maxTokens() + ".");
                }
            }
        }
        return null;
    }

    /**
     * MCP tools are denied by default: a tool is usable only when at least one policy grants its
     * server ({@code mcp_servers}) and every policy that speaks about MCP allows it (its
     * {@code mcp_servers} match the server, its {@code mcp_tools} match {@code server/tool}).
     * Policies silent on MCP neither grant nor narrow.
     */
    @Override
    public Denial checkTool(String server, String tool) {
        return checkMcp(server, tool);
    }

    @Override
    public Denial checkServer(String server) {
        return checkMcp(server, null);
    }

    /** @param tool null: whether any tool of the server could be allowed (server-level check only) */
    private Denial checkMcp(String server, String tool) {
        boolean granted = false;
        for (Compiled c : policies) {
            AccessPolicy p = c.policy();
            if (!p.governsMcp()) {
                continue;
            }
            if (!c.mcpServers().isEmpty()) {
                if (!anyMatches(c.mcpServers(), server)) {
                    return denial(c, "The MCP server '" + server + "' is denied by policy '" + p.name()
                            + "', which allows only: " + String.join(", ", p.mcpServers()) + ".");
                }
                granted = true;
            }
            if (tool != null && !c.mcpTools().isEmpty() && !anyMatches(c.mcpTools(), server + "/" + tool)) {
                return denial(c, "The MCP tool '" + server + "/" + tool + "' is denied by policy '" + p.name()
                        + "', which allows only: " + String.join(", ", p.mcpTools()) + ".");
            }
            if (tool == null && !c.mcpTools().isEmpty() && !anyServerPrefix(p.mcpTools(), server)) {
                return denial(c, "The MCP server '" + server + "' is denied by policy '" + p.name()
                        + "', whose tools are only: " + String.join(", ", p.mcpTools()) + ".");
            }
        }
        if (!granted) {
            return new Denial("(none)", "No access policy of this caller grants the MCP server '" + server
                    + "' (grant it with mcp_servers in a policy attached to the key, its user or its team).");
        }
        return null;
    }

    /**
     * Sharing is a grant, and only the store's owner (or the organisation) can make it: a policy's
     * {@code vector_stores} count for stores of the policy's own team, or for any store when the
     * policy is organisation-wide (made by an owner or admin). So a team-admin who names another
     * team's store in their own team's policy gains nothing. Policies do not narrow sharing: one
     * grant is enough, as a store is never shared for writing.
     */
    @Override
    public boolean mayReadVectorStore(String storeId, String ownerTeamId) {
        for (Compiled c : policies) {
            String policyTeam = c.policy().teamId();
            if ((policyTeam == null || policyTeam.equals(ownerTeamId)) && anyMatches(c.vectorStores(), storeId)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean sharesVectorStores() {
        return policies.stream().anyMatch(c -> !c.vectorStores().isEmpty());
    }

    /** Whether some {@code server/tool} pattern could match a tool of {@code server}. */
    private static boolean anyServerPrefix(List<String> patterns, String server) {
        for (String pattern : patterns) {
            int slash = pattern.indexOf('/');
            String serverPart = slash < 0 ? pattern : pattern.substring(0, slash);
            if (Glob.compile(serverPart).matcher(server).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Endpoints whose requests generate tokens and so carry a max_tokens (embeddings do not). */
    private static boolean generates(String endpoint) {
        return endpoint == null || endpoint.equals("chat.completions") || endpoint.equals("messages")
                || endpoint.equals("responses");
    }

    private static boolean anyMatches(List<Pattern> patterns, String value) {
        for (Pattern pattern : patterns) {
            if (pattern.matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }

    private static Denial denial(Compiled c, String reason) {
        return new Denial(c.policy().name(), reason);
    }
}
