package dev.gatehouse.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.gatehouse.access.Principal;
import dev.gatehouse.gateway.ErrorType;
import dev.gatehouse.gateway.GatewayException;
import java.util.Map;

/** One admin call as its handler sees it: who, from where, path and query parameters, body, paging. */
public final class AdminRequest {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    private final Principal principal;
    private final String clientAddress;
    private final String requestId;
    private final Map<String, String> pathParams;
    private final Map<String, String> queryParams;
    private final JsonNode body;

    public AdminRequest(Principal principal, String clientAddress, String requestId, Map<String, String> pathParams,
            Map<String, String> queryParams, JsonNode body) {
        this.principal = principal;
        this.clientAddress = clientAddress;
        this.requestId = requestId;
        this.pathParams = Map.copyOf(pathParams);
        this.queryParams = Map.copyOf(queryParams);
        this.body = body == null ? NullNode.getInstance() : body;
    }

    public Principal principal() {
        return principal;
    }

    public String clientAddress() {
        return clientAddress;
    }

    public String requestId() {
        return requestId;
    }

    /** A path parameter ({@code :name} in the route). */
    public String path(String name) {
        return pathParams.get(name);
    }

    /** A query parameter, or null. */
    public String query(String name) {
        return queryParams.get(name);
    }

    /** The JSON body ({@link NullNode} when there is none). */
    public JsonNode body() {
        return body;
    }

    /** Page size from {@code ?limit=} (default 50, at most 500). */
    public int limit() {
        String value = queryParams.get("limit");
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit < 1 || limit > MAX_LIMIT) {
                throw GatewayException.invalid("limit must be between 1 and " + MAX_LIMIT, "limit");
            }
            return limit;
        } catch (NumberFormatException e) {
            throw GatewayException.invalid("limit must be a whole number", "limit");
        }
    }

    /** The opaque cursor from {@code ?cursor=} (null for the first page). */
    public String cursor() {
        return queryParams.get("cursor");
    }

    public boolean isOrgWide() {
        return principal.hasRole("owner") || principal.hasRole("admin");
    }

    /**
     * Refuses unless the caller may act on {@code teamId}: owners and admins on any team,
     * team-admins on their own, auditors read-only on any, members read-only on their own.
     * The refusal is a 404, so another team's objects cannot even be probed for existence.
     */
    public void requireTeam(String teamId, boolean write) {
        if (isOrgWide()) {
            return;
        }
        boolean own = teamId != null && teamId.equals(principal.teamId());
        boolean allowed = write
                ? own && principal.hasRole("team-admin")
                : principal.hasRole("auditor") || own;
        if (!allowed) {
            throw new GatewayException(ErrorType.NOT_FOUND, "No such team: " + teamId, null, "not_found");
        }
    }
}
