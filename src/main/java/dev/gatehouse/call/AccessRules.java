package dev.gatehouse.call;

/**
 * What a principal may do, resolved in memory from its key's, user's and team's access policies
 * (governance). The request path asks; it never reads policy storage.
 */
public interface AccessRules {
    AccessRules ALLOW_ALL = new AccessRules() {
        @Override
        public Denial checkModel(String model) {
            return null;
        }

        @Override
        public Denial checkRequest(String endpoint, String model, String provider, Integer maxTokens) {
            return null;
        }
    };

    /** The names of the access policies behind these rules (guardrails can be attached to a policy). */
    default java.util.List<String> policyNames() {
        return java.util.List.of();
    }

    /** The denial of an MCP tool to a caller no policy grants any: MCP tools are denied by default. */
    Denial NO_MCP_GRANT = new Denial("(none)", "No access policy of this key, its user or its team grants MCP tools"
            + " (policies grant them with mcp_servers and mcp_tools).");

    /** Why access was refused: the policy's name and a sentence for the caller. */
    record Denial(String policy, String reason) {}

    /** Null when the model may be used (listing and routing), else the denial. */
    Denial checkModel(String model);

    /**
     * Null when this request may proceed, else the denial.
     *
     * @param endpoint e.g. "chat.completions", "embeddings"
     * @param provider the provider about to be used, or null before routing
     * @param maxTokens the caller's max output tokens, or null when unset
     */
    Denial checkRequest(String endpoint, String model, String provider, Integer maxTokens);

    /**
     * Null when the MCP tool {@code tool} of {@code server} may be listed and called, else the
     * denial. Denied by default: only policies that grant MCP servers open them. Rules that know no
     * policies (no policy attached) deny.
     */
    default Denial checkTool(String server, String tool) {
        return NO_MCP_GRANT;
    }

    /** Null when some tool of {@code server} may be used (the server is visible), else the denial. */
    default Denial checkServer(String server) {
        return NO_MCP_GRANT;
    }

    /**
     * Whether another owner's vector store is shared with this caller, read-only: denied by default,
     * open only when a policy grants it ({@code vector_stores}). The caller's own stores are not asked
     * about (they are always its own).
     *
     * @param ownerTeamId the team that owns the store, or null when a key without a team owns it
     */
    default boolean mayReadVectorStore(String storeId, String ownerTeamId) {
        return false;
    }

    /**
     * Whether any policy of this caller names vector stores at all: when none does, nothing is
     * shared with it and a list of the stores it may read is its own ({@link #mayReadVectorStore}
     * would refuse every other).
     */
    default boolean sharesVectorStores() {
        return false;
    }
}
