package dev.gatehouse.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.identity.AccessPolicy;
import dev.gatehouse.identity.ConflictException;
import dev.gatehouse.identity.Identity;
import dev.gatehouse.identity.IssuedKey;
import dev.gatehouse.identity.KeyStore;
import dev.gatehouse.identity.Roles;
import dev.gatehouse.identity.Team;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /keys}: virtual API keys. The key itself appears once, in the response that creates or
 * rotates it; afterwards only its display prefix. Members manage their own keys, team-admins
 * their team's, owners and admins everyone's; auditors read all.
 */
public final class KeysEndpoints implements AdminEndpoints {
    public static final Duration DEFAULT_GRACE = Duration.ofHours(24);

    private final Identity identity;
    private final AuditSink audit;

    public KeysEndpoints(Identity identity, AuditSink audit) {
        this.identity = identity;
        this.audit = audit;
    }

    @Override
    public void register(AdminRoutes routes) {
        routes.get("/keys", "List keys", Access.SELF, this::list);
        routes.post("/keys", "Create a key", Access.SELF, this::create);
        routes.get("/keys/:keyId", "Get a key", Access.SELF, this::get);
        routes.post("/keys/:keyId/revoke", "Revoke a key", Access.SELF, this::revoke);
        routes.post("/keys/:keyId/rotate", "Rotate a key", Access.SELF, this::rotate);
    }

    private Object list(AdminRequest request) {
        Principal p = request.principal();
        String team = request.query("team_id");
        String user = request.query("user_id");
        if (!Tenancy.readsAll(p)) {
            if (p.hasRole(Roles.TEAM_ADMIN) && p.teamId() != null) {
                team = p.teamId();
            } else if (p.userId() != null) {
                user = p.userId();
            } else {
                return IdentityViews.page(List.of(), null, IdentityViews::key);
            }
        }
        Page<VirtualKey> page = identity.keys().list(team, user, request.limit(), request.cursor());
        return IdentityViews.page(page.items(), page.next(), IdentityViews::key);
    }

    private Object create(AdminRequest request) {
        Tenancy.requireWriter(request);
        Principal p = request.principal();
        var body = request.body();
        String name = AdminBody.text(body, "name", false);
        String ownerType = AdminBody.text(body, "owner_type", false);
        String ownerId = AdminBody.text(body, "owner_id", false);
        if (ownerId == null) {
            if (p.userId() == null || ownerType != null && !ownerType.equals(VirtualKey.OWNER_USER)) {
                throw GatewayException.invalid("'owner_id' is required (the user, service account or team that owns the key).",
                        "owner_id");
            }
            ownerId = p.userId();
        }
        if (ownerType == null) {
            ownerType = ownerId.startsWith("team_") ? VirtualKey.OWNER_TEAM
                    : ownerId.startsWith("svc_") ? VirtualKey.OWNER_SERVICE : VirtualKey.OWNER_USER;
        }
        String teamId = ownerTeam(request, ownerType, ownerId);
        Long expiresAt = expiry(body);
        List<AccessPolicy> policies = policies(request, AdminBody.list(body, "policies"), teamId);
        IssuedKey issued = identity.keys().create(new KeyStore.NewKey(name, ownerType, ownerId, teamId, expiresAt));
        for (AccessPolicy policy : policies) {
            identity.policies().attach(policy.id(), "key", issued.key().id());
        }
        identity.registry().refresh();
        Map<String, Object> view = IdentityViews.key(issued.key());
        view.put("policies", policies.stream().map(AccessPolicy::name).toList());
        audit.record(request, "key.create", "key", issued.key().id(), null, view);
        Map<String, Object> shown = new LinkedHashMap<>(view);
        shown.put("key", issued.secret());
        return AdminResponse.created(shown);
    }

    private Object get(AdminRequest request) {
        return IdentityViews.key(visible(request, request.path("keyId")));
    }

    private Object revoke(AdminRequest request) {
        Tenancy.requireWriter(request);
        VirtualKey before = writable(request, request.path("keyId"));
        VirtualKey after = identity.keys().revoke(before.id()).orElseThrow(() -> AdminBody.notFound("key", before.id()));
        identity.registry().refresh();
        audit.record(request, "key.revoke", "key", after.id(), IdentityViews.key(before), IdentityViews.key(after));
        return IdentityViews.key(after);
    }

    private Object rotate(AdminRequest request) {
        Tenancy.requireWriter(request);
        VirtualKey before = writable(request, request.path("keyId"));
        Duration grace = AdminBody.duration(request.body(), "grace");
        grace = grace == null ? DEFAULT_GRACE : grace;
        KeyStore.Rotation rotation;
        try {
            rotation = identity.keys().rotate(before.id(), grace.toMillis()).orElseThrow(() -> AdminBody.notFound("key", before.id()));
        } catch (ConflictException e) {
            throw AdminBody.conflict(e.getMessage());
        }
        identity.registry().refresh();
        audit.record(request, "key.rotate", "key", before.id(), IdentityViews.key(before), IdentityViews.key(rotation.old()));
        audit.record(request, "key.create", "key", rotation.replacement().key().id(), null, IdentityViews.key(rotation.replacement().key()));
        Map<String, Object> shown = IdentityViews.key(rotation.replacement().key());
        shown.put("key", rotation.replacement().secret());
        shown.put("replaces", IdentityViews.key(rotation.old()));
        return AdminResponse.created(shown);
    }

    /** The team the owner belongs to, after checking the caller may give that owner a key. */
    private String ownerTeam(AdminRequest request, String ownerType, String ownerId) {
        Principal p = request.principal();
        String teamId;
        switch (ownerType) {
            case VirtualKey.OWNER_TEAM -> {
                Team team = identity.teams().get(ownerId).orElseThrow(() -> AdminBody.notFound("team", ownerId));
                teamId = team.id();
            }
            case VirtualKey.OWNER_USER, VirtualKey.OWNER_SERVICE -> {
                User user = identity.users().get(ownerId)
                        .filter(u -> u.kind().equals(ownerType.equals(VirtualKey.OWNER_USER) ? User.PERSON : User.SERVICE))
                        .orElseThrow(() -> AdminBody.notFound(ownerType.equals(VirtualKey.OWNER_USER) ? "user" : "service account", ownerId));
                teamId = user.teamId();
            }
            default -> throw GatewayException.invalid("'owner_type' must be user, service or team.", "owner_type");
        }
        if (Tenancy.orgWide(p) || Tenancy.teamAdminOf(p, teamId)) {
            return teamId;
        }
        if (ownerType.equals(VirtualKey.OWNER_USER) && ownerId.equals(p.userId())) {
            return teamId;
        }
        // Members may only make keys for themselves; anything else is out of their reach.
        throw AdminBody.notFound(ownerType.equals(VirtualKey.OWNER_TEAM) ? "team" : "user", ownerId);
    }

    private static Long expiry(JsonNode body) {
        Instant at = AdminBody.instant(body, "expires_at");
        Duration in = AdminBody.duration(body, "expires_in");
        if (at != null && in != null) {
            throw GatewayException.invalid("Give either 'expires_at' or 'expires_in', not both.", "expires_in");
        }
        if (in != null) {
            return System.currentTimeMillis() + in.toMillis();
        }
        return at == null ? null : at.toEpochMilli();
    }

    /**
     * Policies (by id, or by name as the key's team sees names) the caller may attach: their
     * team's and organisation-wide ones.
     */
    private List<AccessPolicy> policies(AdminRequest request, List<String> refs, String keyTeamId) {
        List<AccessPolicy> found = new ArrayList<>();
        if (refs == null) {
            return found;
        }
        Principal p = request.principal();
        for (String ref : refs) {
            AccessPolicy policy = identity.policies().get(ref).or(() -> identity.policies().byName(keyTeamId, ref)).orElse(null);
            if (policy == null || !(Tenancy.orgWide(p) || policy.teamId() == null || Tenancy.teamAdminOf(p, policy.teamId())
                    || policy.teamId().equals(p.teamId()))) {
                throw AdminBody.notFound("policy", ref);
            }
            found.add(policy);
        }
        return found;
    }

    private VirtualKey visible(AdminRequest request, String id) {
        Principal p = request.principal();
        VirtualKey key = identity.keys().get(id).orElseThrow(() -> AdminBody.notFound("key", id));
        if (Tenancy.readsAll(p) || Tenancy.teamAdminOf(p, key.teamId()) || key.ownedByUser(p.userId())) {
            return key;
        }
        throw AdminBody.notFound("key", id);
    }

    private VirtualKey writable(AdminRequest request, String id) {
        Principal p = request.principal();
        VirtualKey key = identity.keys().get(id).orElseThrow(() -> AdminBody.notFound("key", id));
        if (Tenancy.orgWide(p) || Tenancy.teamAdminOf(p, key.teamId()) || key.ownedByUser(p.userId())) {
            return key;
        }
        throw AdminBody.notFound("key", id);
    }
}
