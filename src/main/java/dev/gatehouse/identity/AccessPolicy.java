package dev.gatehouse.identity;

import java.util.List;

/**
 * What callers it is attached to may use. An empty list means "any"; all policies that apply to
 * a call (its key's, user's and team's) must allow it. MCP tools are the exception, denied by
 * default: a caller reaches a tool only when some policy grants it (see {@link PolicyRules#checkTool}).
 *
 * @param teamId the team that owns the policy (its team-admins may edit it); null: organisation-wide
 * @param models model names or globs ({@code gpt-4o*}, {@code *-mini})
 * @param providers provider names (globs allowed)
 * @param endpoints endpoint names: {@code chat.completions}, {@code embeddings}, {@code models}, {@code messages}, {@code responses}
 * @param maxTokens the most output tokens one request may ask for, or null
 * @param mcpServers MCP server names (globs) whose tools this policy grants; empty: grants no MCP server
 * @param mcpTools {@code server/tool} globs ({@code github/list_*}, {@code docs/read_*}) narrowing the granted
 *                 servers' tools; empty: every tool of the granted servers
 * @param vectorStores vector store ids (globs) this policy shares read-only with the callers it is attached to;
 *                     a grant counts only for stores of the policy's own team, or any team's when the policy is
 *                     organisation-wide (see {@link PolicyRules#mayReadVectorStore}); empty: shares nothing
 */
public record AccessPolicy(String id, String name, String teamId, List<String> models, List<String> providers,
        List<String> endpoints, Integer maxTokens, List<String> mcpServers, List<String> mcpTools, List<String> vectorStores,
        long createdAt, long updatedAt) {
    public AccessPolicy {
        models = List.copyOf(models);
        providers = List.copyOf(providers);
        endpoints = List.copyOf(endpoints);
        mcpServers = mcpServers == null ? List.of() : List.copyOf(mcpServers);
        mcpTools = mcpTools == null ? List.of() : List.copyOf(mcpTools);
        vectorStores = vectorStores == null ? List.of() : List.copyOf(vectorStores);
    }

    /** A policy that shares no vector store. */
    public AccessPolicy(String id, String name, String teamId, List<String> models, List<String> providers,
            List<String> endpoints, Integer maxTokens, List<String> mcpServers, List<String> mcpTools, long createdAt,
            long updatedAt) {
        this(id, name, teamId, models, providers, endpoints, maxTokens, mcpServers, mcpTools, List.of(), createdAt, updatedAt);
    }

    /** A policy that says nothing about MCP. */
    public AccessPolicy(String id, String name, String teamId, List<String> models, List<String> providers,
            List<String> endpoints, Integer maxTokens, long createdAt, long updatedAt) {
        this(id, name, teamId, models, providers, endpoints, maxTokens, List.of(), List.of(), createdAt, updatedAt);
    }

    /** Whether this policy speaks about MCP at all (grants or narrows tools). */
    public boolean governsMcp() {
        return !mcpServers.isEmpty() || !mcpTools.isEmpty();
    }
}
