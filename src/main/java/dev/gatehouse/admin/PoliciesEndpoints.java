package dev.gatehouse.admin;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.identity.AccessPolicy;
import dev.gatehouse.identity.Attachment;
import dev.gatehouse.identity.ConflictException;
import dev.gatehouse.identity.Glob;
import dev.gatehouse.identity.Identity;
import dev.gatehouse.identity.User;
import dev.gatehouse.identity.VirtualKey;
import dev.gatehouse.store.Page;
import dev.gatehouse.web.Access;
import dev.gatehouse.web.AdminBody;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AdminRequest;
import dev.gatehouse.web.AdminResponse;
import dev.gatehouse.web.AdminRoutes;
import dev.gatehouse.web.AuditSink;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /policies}: access policies and their attachments to keys, users and teams.
 * Organisation-wide policies (no team) are edited by owners and admins only; team-admins edit
 * their team's policies and attach any policy they can see to their team's subjects — attaching
 * only ever narrows access, detaching is allowed only for their own team's policies.
 */
public final class PoliciesEndpoints implements AdminEndpoints {
    static final Set<String> ENDPOINTS = Set.of("chat.completions", "embeddings", "models", "messages", "responses",
            "images.generations", "images.edits", "images.variations", "audio.transcriptions", "audio.translations",
            "audio.speech", "moderations", "rerank");

    private final Identity identity;
    private final AuditSink audit;

    public PoliciesEndpoints(Identity identity, AuditSink audit) {
        this.identity = identity;
        this.audit = audit;
    }

    @Override
    public void register(AdminRoutes routes) {
        routes.get("/policies", "List access policies", Access.TEAM_READ, this::list);
        routes.post("/policies", "Create an access policy", Access.TEAM_WRITE, this::create);
        routes.get("/policies/:policyId", "Get an access policy", Access.TEAM_READ, this::get);
        routes.patch("/policies/:policyId", "Update an access policy", Access.TEAM_WRITE, this::update);
        routes.delete("/policies/:policyId", "Delete an access policy", Access.TEAM_WRITE, this::delete);
        routes.get("/policies/:policyId/attachments", "List where a policy is attached", Access.TEAM_READ, this::attachments);
        routes.post("/policies/:policyId/attachments", "Attach a policy to a key, user or team", Access.TEAM_WRITE, this::attach);
        routes.delete("/policies/:policyId/attachments/:subjectType/:subjectId", "Detach a policy", Access.TEAM_WRITE, this::detach);
    }

    private Object list(AdminRequest request) {
        Principal p = request.principal();
        String team = Tenancy.readsAll(p) ? request.query("team_id") : p.teamId();
        if (!Tenancy.readsAll(p) && team == null) {
            return IdentityViews.page(List.of(), null, IdentityViews::policy);
        }
        Page<AccessPolicy> page = identity.policies().list(team, request.limit(), request.cursor());
        return IdentityViews.page(page.items(), page.next(), IdentityViews::policy);
    }

    private Object create(AdminRequest request) {
        Principal p = request.principal();
        var body = request.body();
        String name = AdminBody.text(body, "name", true);
        String teamId = AdminBody.text(body, "team_id", false);
        if (!Tenancy.orgWide(p)) {
            teamId = teamId == null ? p.teamId() : teamId;
            request.requireTeam(teamId, true);
        } else if (teamId != null && identity.teams().get(teamId).isEmpty()) {
            throw GatewayException.invalid("No such team: " + teamId, "team_id");
        }
        List<String> models = globs(AdminBody.list(body, "models"), "models");
        List<String> providers = globs(AdminBody.list(body, "providers"), "providers");
        List<String> endpoints = endpoints(AdminBody.list(body, "endpoints"));
        Integer maxTokens = AdminBody.positiveInt(body, "max_tokens");
        List<String> mcpServers = globs(AdminBody.list(body, "mcp_servers"), "mcp_servers");
        List<String> mcpTools = mcpTools(AdminBody.list(body, "mcp_tools"));
        List<String> vectorStores = vectorStores(AdminBody.list(body, "vector_stores"));
        AccessPolicy policy;
        try {
            policy = identity.policies().create(name, teamId, models, providers, endpoints, maxTokens, mcpServers, mcpTools,
                    vectorStores);
        } catch (ConflictException e) {
            throw AdminBody.conflict(e.getMessage());
        }
        identity.registry().refresh();
        audit.record(request, "policy.create", "policy", policy.id(), null, IdentityViews.policy(policy));
        return AdminResponse.created(IdentityViews.policy(policy));
    }

    private Object get(AdminRequest request) {
        return IdentityViews.policy(visible(request, request.path("policyId")));
    }

    private Object update(AdminRequest request) {
        AccessPolicy before = writable(request, request.path("policyId"));
        var body = request.body();
        String name = AdminBody.has(body, "name") ? AdminBody.text(body, "name", true) : before.name();
        List<String> models = body.has("models") ? globs(AdminBody.list(body, "models"), "models") : before.models();
        List<String> providers = body.has("providers") ? globs(AdminBody.list(body, "providers"), "providers") : before.providers();
        List<String> endpoints = body.has("endpoints") ? endpoints(AdminBody.list(body, "endpoints")) : before.endpoints();
        Integer maxTokens = body.has("max_tokens") ? AdminBody.positiveInt(body, "max_tokens") : before.maxTokens();
        List<String> mcpServers = body.has("mcp_servers") ? globs(AdminBody.list(body, "mcp_servers"), "mcp_servers") : before.mcpServers();
        List<String> mcpTools = body.has("mcp_tools") ? mcpTools(AdminBody.list(body, "mcp_tools")) : before.mcpTools();
        List<String> vectorStores = body.has("vector_stores") ? vectorStores(AdminBody.list(body, "vector_stores"))
                : before.vectorStores();
        AccessPolicy after;
        try {
            after = identity.policies().update(new AccessPolicy(before.id(), name, before.teamId(), models, providers, endpoints,
                    maxTokens, mcpServers, mcpTools, vectorStores, before.createdAt(), 0)).orElseThrow(() -> AdminBody.notFound("policy", before.id()));
        } catch (ConflictException e) {
            throw AdminBody.conflict(e.getMessage());
        }
        identity.registry().refresh();
        audit.record(request, "policy.update", "policy", after.id(), IdentityViews.policy(before), IdentityViews.policy(after));
        return IdentityViews.policy(after);
    }

    private Object delete(AdminRequest request) {
        AccessPolicy before = writable(request, request.path("policyId"));
        identity.policies().delete(before.id());
        identity.registry().refresh();
        audit.record(request, "policy.delete", "policy", before.id(), IdentityViews.policy(before), null);
        return AdminResponse.noContent();
    }

    private Object attachments(AdminRequest request) {
        AccessPolicy policy = visible(request, request.path("policyId"));
        Principal p = request.principal();
        List<Attachment> all = identity.policies().attachments(policy.id());
        // A team-admin sees only the attachments inside their team, even of an organisation-wide policy.
        List<Attachment> shown = Tenancy.readsAll(p) ? all
                : all.stream().filter(a -> p.teamId() != null && p.teamId().equals(subjectTeam(a.subjectType(), a.subjectId()))).toList();
        return IdentityViews.page(shown, null, IdentityViews::attachment);
    }

    private Object attach(AdminRequest request) {
        AccessPolicy policy = visible(request, request.path("policyId"));
        String type = AdminBody.text(request.body(), "subject_type", true);
        String id = AdminBody.text(request.body(), "subject_id", true);
        requireSubject(request, type, id);
        boolean added = identity.policies().attach(policy.id(), type, id);
        identity.registry().refresh();
        Map<String, Object> view = Map.of("policy_id", policy.id(), "subject_type", type, "subject_id", id);
        if (added) {
            audit.record(request, "policy.attach", "policy", policy.id(), null, view);
        }
        return added ? AdminResponse.created(view) : view;
    }

    private Object detach(AdminRequest request) {
        AccessPolicy policy = writable(request, request.path("policyId"));
        String type = request.path("subjectType");
        String id = request.path("subjectId");
        requireSubject(request, type, id);
        if (!identity.policies().detach(policy.id(), type, id)) {
            throw AdminBody.notFound("attachment", type + " " + id);
        }
        identity.registry().refresh();
        audit.record(request, "policy.detach", "policy", policy.id(), Map.of("policy_id", policy.id(), "subject_type", type,
                "subject_id", id), null);
        return AdminResponse.noContent();
    }

    /** The subject exists and is within the caller's reach (404 otherwise). */
    private void requireSubject(AdminRequest request, String type, String id) {
        if (!Attachment.SUBJECT_TYPES.contains(type)) {
            throw GatewayException.invalid("'subject_type' must be one of " + Attachment.SUBJECT_TYPES + ".", "subject_type");
        }
        String team = subjectTeam(type, id);
        boolean exists = switch (type) {
            case "key" -> identity.keys().get(id).isPresent();
            case "user" -> identity.users().get(id).isPresent();
            default -> identity.teams().get(id).isPresent();
        };
        Principal p = request.principal();
        if (!exists || !(Tenancy.orgWide(p) || Tenancy.teamAdminOf(p, team))) {
            throw AdminBody.notFound(type, id);
        }
    }

    private String subjectTeam(String type, String id) {
        return switch (type) {
            case "key" -> identity.keys().get(id).map(VirtualKey::teamId).orElse(null);
            case "user" -> identity.users().get(id).map(User::teamId).orElse(null);
            default -> id;
        };
    }

    private AccessPolicy visible(AdminRequest request, String id) {
        Principal p = request.principal();
        AccessPolicy policy = identity.policies().get(id).orElseThrow(() -> AdminBody.notFound("policy", id));
        if (Tenancy.readsAll(p) || policy.teamId() == null || Tenancy.teamAdminOf(p, policy.teamId())) {
            return policy;
        }
        throw AdminBody.notFound("policy", id);
    }

    private AccessPolicy writable(AdminRequest request, String id) {
        Principal p = request.principal();
        AccessPolicy policy = identity.policies().get(id).orElseThrow(() -> AdminBody.notFound("policy", id));
        if (Tenancy.orgWide(p) || Tenancy.teamAdminOf(p, policy.teamId())) {
            return policy;
        }
        if (policy.teamId() == null) {
            throw AdminBody.forbidden("Organisation-wide policies are changed by owners and admins only.");
        }
        throw AdminBody.notFound("policy", id);
    }

    /** {@code server/tool} globs: the server part names which server's tools the pattern narrows. */
    private static List<String> mcpTools(List<String> values) {
        List<String> tools = globs(values, "mcp_tools");
        for (String v : tools) {
            int slash = v.indexOf('/');
            if (slash <= 0 || slash == v.length() - 1) {
                throw GatewayException.invalid("'mcp_tools' entries are server/tool patterns (e.g. github/list_* or */read_file),"
                        + " got: " + v, "mcp_tools");
            }
        }
        return tools;
    }

    /**
     * Vector store ids or globs ({@code vs_abc…}, {@code vs_*}). Not checked against the stores: a
     * grant counts only for stores of the policy's own team (or any, organisation-wide), checked
     * when a store is used, so naming another team's store in a team policy grants nothing.
     */
    private static List<String> vectorStores(List<String> values) {
        List<String> ids = globs(values, "vector_stores");
        for (String v : ids) {
            if (v.isBlank() || !v.matches("[A-Za-z0-9_*?-]+")) {
                throw GatewayException.invalid("'vector_stores' entries are vector store ids or globs (e.g. vs_abc123 or vs_*),"
                        + " got: " + v, "vector_stores");
            }
        }
        return ids;
    }

    private static List<String> globs(List<String> values, String field) {
        if (values == null) {
            return List.of();
        }
        for (String v : values) {
            try {
                Glob.compile(v);
            } catch (RuntimeException e) {
                throw GatewayException.invalid("'" + field + "' has an invalid pattern: " + v, field);
            }
        }
        return values;
    }

    private static List<String> endpoints(List<String> values) {
        if (values == null) {
            return List.of();
        }
        for (String v : values) {
            if (!ENDPOINTS.contains(v)) {
                throw GatewayException.invalid("'endpoints' entries must be among " + ENDPOINTS + ", got '" + v + "'.", "endpoints");
            }
        }
        return values;
    }
}
