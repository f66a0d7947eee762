package dev.gatehouse.admin;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.identity.ConflictException;
import dev.gatehouse.identity.Identity;
import dev.gatehouse.identity.Roles;
import dev.gatehouse.identity.User;
import dev.gatehouse.store.Page;
import dev.gatehouse.web.Access;
import dev.gatehouse.web.AdminBody;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AdminRequest;
import dev.gatehouse.web.AdminResponse;
import dev.gatehouse.web.AdminRoutes;
import dev.gatehouse.web.AuditSink;
import java.util.List;

/**
 * {@code /users} and {@code /service-accounts} (the same shape; service accounts are users of
 * kind {@code service} that own keys for programs). Owners and admins manage everyone;
 * team-admins manage the members and team-admins of their own team; members see themselves.
 */
public final class UsersEndpoints implements AdminEndpoints {
    private final Identity identity;
    private final AuditSink audit;
    private final String kind;
    private final String path;
    private final String noun;

    private UsersEndpoints(Identity identity, AuditSink audit, String kind, String path, String noun) {
        this.identity = identity;
        this.audit = audit;
        this.kind = kind;
        this.path = path;
        this.noun = noun;
    }

    public static UsersEndpoints users(Identity identity, AuditSink audit) {
        return new UsersEndpoints(identity, audit, User.PERSON, "/users", "user");
    }

    public static UsersEndpoints serviceAccounts(Identity identity, AuditSink audit) {
        return new UsersEndpoints(identity, audit, User.SERVICE, "/service-accounts", "service account");
    }

    @Override
    public void register(AdminRoutes routes) {
        String id = path + "/:userId";
        routes.get(path, "List " + noun + "s", Access.TEAM_READ, this::list);
        routes.post(path, "Create a " + noun, Access.TEAM_WRITE, this::create);
        routes.get(id, "Get a " + noun, Access.SELF, this::get);
        routes.patch(id, "Update a " + noun, Access.TEAM_WRITE, this::update);
        routes.delete(id, "Delete a " + noun + " and revoke their keys", Access.TEAM_WRITE, this::delete);
    }

    private Object list(AdminRequest request) {
        Principal p = request.principal();
        String team = request.query("team_id");
        if (!Tenancy.readsAll(p)) {
            team = p.teamId();
            if (team == null) {
                return IdentityViews.page(List.of(), null, IdentityViews::user);
            }
        }
        Page<User> page = identity.users().list(kind, team, request.limit(), request.cursor());
        return IdentityViews.page(page.items(), page.next(), IdentityViews::user);
    }

    private Object create(AdminRequest request) {
        Principal p = request.principal();
        String name = AdminBody.text(request.body(), "name", true);
        String email = AdminBody.text(request.body(), "email", false);
        String teamId = AdminBody.text(request.body(), "team_id", false);
        String role = AdminBody.text(request.body(), "role", false);
        role = role == null ? Roles.MEMBER : role;
        if (!Tenancy.orgWide(p) && teamId == null) {
            teamId = p.teamId();
        }
        checkEmail(p, email, null);
        checkAssignment(request, teamId, role);
        User user;
        try {
            user = identity.users().create(kind, name, email, teamId, role);
        } catch (ConflictException e) {
            throw AdminBody.conflict(e.getMessage());
        }
        identity.registry().refresh();
        audit.record(request, noun.replace(' ', '-') + ".create", kind, user.id(), null, IdentityViews.user(user));
        return AdminResponse.created(IdentityViews.user(user));
    }

    private Object get(AdminRequest request) {
        return IdentityViews.user(visible(request, request.path("userId")));
    }

    private Object update(AdminRequest request) {
        User before = writable(request, request.path("userId"));
        var body = request.body();
        String name = AdminBody.has(body, "name") ? AdminBody.text(body, "name", true) : before.name();
        String email = AdminBody.has(body, "email") ? AdminBody.text(body, "email", false) : before.email();
        String teamId = AdminBody.has(body, "team_id") ? AdminBody.text(body, "team_id", false) : before.teamId();
        String role = AdminBody.has(body, "role") ? AdminBody.text(body, "role", true) : before.role();
        checkEmail(request.principal(), email, before.email());
        checkAssignment(request, teamId, role);
        User after;
        try {
            after = identity.users().update(new User(before.id(), before.kind(), name, email, teamId, role, before.createdAt(), 0))
                    .orElseThrow(() -> AdminBody.notFound(noun, before.id()));
        } catch (ConflictException e) {
            throw AdminBody.conflict(e.getMessage());
        }
        identity.registry().refresh();
        audit.record(request, noun.replace(' ', '-') + ".update", kind, after.id(), IdentityViews.user(before), IdentityViews.user(after));
        return IdentityViews.user(after);
    }

    private Object delete(AdminRequest request) {
        User before = writable(request, request.path("userId"));
        identity.users().delete(before.id());
        identity.registry().refresh();
        audit.record(request, noun.replace(' ', '-') + ".delete", kind, before.id(), IdentityViews.user(before), null);
        return AdminResponse.noContent();
    }

    /**
     * E-mail addresses are set by owners and admins only. An address is a person's sign-in identity
     * across the organisation (single sign-on finds the user by it), so it stays unique across
     * teams; were a team-admin to choose one, the 409 for an address taken would tell them that
     * someone in another team has it. This refusal is the same whether the address is taken or not.
     */
    private static void checkEmail(Principal p, String email, String before) {
        if (!Tenancy.orgWide(p) && email != null && !email.equalsIgnoreCase(before == null ? "" : before)) {
            throw AdminBody.forbidden("Only owners and admins set e-mail addresses: an address is a sign-in identity"
                    + " across the organisation. Create the user without 'email' and ask an admin to add it.");
        }
    }

    /** The role and team a caller may give: team-admins only team roles, only in their team; only owners make owners. */
    private void checkAssignment(AdminRequest request, String teamId, String role) {
        Principal p = request.principal();
        if (!Roles.isValid(role)) {
            throw GatewayException.invalid("'role' must be one of " + Roles.ALL + ".", "role");
        }
        if (teamId != null && identity.registry().directory().teams().get(teamId) == null
                && identity.teams().get(teamId).isEmpty()) {
            if (!Tenancy.orgWide(p)) {
                throw AdminBody.notFound("team", teamId);
            }
            throw GatewayException.invalid("No such team: " + teamId, "team_id");
        }
        if (Tenancy.orgWide(p)) {
            if (Roles.OWNER.equals(role) && !p.hasRole(Roles.OWNER)) {
                throw AdminBody.forbidden("Only an owner may grant the owner role.");
            }
            return;
        }
        request.requireTeam(teamId, true);
        if (!Roles.TEAM_ASSIGNABLE.contains(role)) {
            throw AdminBody.forbidden("A team-admin may only grant the roles " + Roles.TEAM_ASSIGNABLE + ".");
        }
    }

    private User find(String id) {
        return identity.users().get(id).filter(u -> u.kind().equals(kind)).orElseThrow(() -> AdminBody.notFound(noun, id));
    }

    private User visible(AdminRequest request, String id) {
        Principal p = request.principal();
        User user = find(id);
        if (Tenancy.readsAll(p) || user.id().equals(p.userId()) || Tenancy.teamAdminOf(p, user.teamId())) {
            return user;
        }
        throw AdminBody.notFound(noun, id);
    }

    private User writable(AdminRequest request, String id) {
        Principal p = request.principal();
        User user = find(id);
        if (Tenancy.orgWide(p)) {
            if (Roles.OWNER.equals(user.role()) && !p.hasRole(Roles.OWNER)) {
                throw AdminBody.forbidden("Only an owner may change an owner.");
            }
            return user;
        }
        if (Tenancy.teamAdminOf(p, user.teamId())) {
            if (!Roles.TEAM_ASSIGNABLE.contains(user.role())) {
                throw AdminBody.forbidden("A team-admin may not change a user with the role " + user.role() + ".");
            }
            return user;
        }
        throw AdminBody.notFound(noun, id);
    }
}
