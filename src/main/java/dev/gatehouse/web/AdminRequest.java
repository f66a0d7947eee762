package dev.gatehouse.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.store.Page;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

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

    /**
     * {@link #requireTeam} for objects that may belong to no team (organisation-wide ones, or ones
     * whose team is not known): owners and admins change those and auditors read them; anyone
     * else is refused with a 403 saying {@code noTeamMessage}.
     */
    public void requireTeamOrOrg(String teamId, boolean write, String noTeamMessage) {
        if (isOrgWide()) {
            return;
        }
        if (teamId == null) {
            if (!write && principal.hasRole("auditor")) {
                return;
            }
            throw new GatewayException(ErrorType.PERMISSION, noTeamMessage, null, "forbidden");
        }
        requireTeam(teamId, write);
    }

    /**
     * The team-owned resource whose id is path parameter {@code param}, if {@code authorize}
     * lets this caller see it; otherwise a 404 naming {@code what}, so that another team's
     * resource does not exist as far as this caller can tell.
     */
    public <T> T teamOwned(String param, String what, Function<String, Optional<T>> find, Consumer<T> authorize) {
        String id = path(param);
        T found = find.apply(id).orElseThrow(() -> AdminBody.notFound(what, id));
        try {
            authorize.accept(found);
        } catch (GatewayException e) {
            throw AdminBody.notFound(what, id);
        }
        return found;
    }

    /** Reads one page of a team-owned resource, given the team to filter by (null: every team). */
    @FunctionalInterface
    public interface TeamPageQuery<T> {
        Page<T> page(String teamId, String cursor, int limit);
    }

    /**
     * A listing of a team-owned resource as this caller may see it: every team's for owners,
     * admins and auditors, else only the caller's own team's (nothing when it has no team).
     */
    public <T> AdminPage<Map<String, Object>> teamScopedPage(TeamPageQuery<T> query, Function<T, Map<String, Object>> view) {
        String team = null;
        if (!isOrgWide() && !principal.hasRole("auditor")) {
            team = principal.teamId();
            if (team == null) {
                return new AdminPage<>(List.of(), null);
            }
        }
        return AdminPage.of(query.page(team, cursor(), limit()), view);
    }
}
