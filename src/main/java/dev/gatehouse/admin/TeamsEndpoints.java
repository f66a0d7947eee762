package dev.gatehouse.admin;

import dev.gatehouse.call.Principal;
import dev.gatehouse.identity.ConflictException;
import dev.gatehouse.identity.Identity;
import dev.gatehouse.identity.Team;
import dev.gatehouse.store.Page;
import dev.gatehouse.web.Access;
import dev.gatehouse.web.AdminBody;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AdminRequest;
import dev.gatehouse.web.AdminResponse;
import dev.gatehouse.web.AdminRoutes;
import dev.gatehouse.web.AuditSink;
import java.util.List;

/** {@code /teams}: owners and admins manage teams; everyone else sees their own team. */
public final class TeamsEndpoints implements AdminEndpoints {
    private final Identity identity;
    private final AuditSink audit;

    public TeamsEndpoints(Identity identity, AuditSink audit) {
        this.identity = identity;
        this.audit = audit;
    }

    @Override
    public void register(AdminRoutes routes) {
        routes.get("/teams", "List teams", Access.SELF, this::list);
        routes.post("/teams", "Create a team", Access.ADMIN, this::create);
        routes.get("/teams/:teamId", "Get a team", Access.SELF, this::get);
        routes.patch("/teams/:teamId", "Rename a team", Access.ADMIN, this::rename);
        routes.delete("/teams/:teamId", "Delete an empty team", Access.ADMIN, this::delete);
    }

    private Object list(AdminRequest request) {
        Principal p = request.principal();
        if (Tenancy.readsAll(p)) {
            Page<Team> page = identity.teams().list(request.limit(), request.cursor());
            return IdentityViews.page(page.items(), page.next(), IdentityViews::team);
        }
        List<Team> own = p.teamId() == null ? List.of() : identity.teams().get(p.teamId()).map(List::of).orElse(List.of());
        return IdentityViews.page(own, null, IdentityViews::team);
    }

    private Object create(AdminRequest request) {
        String name = AdminBody.text(request.body(), "name", true);
        Team team;
        try {
            team = identity.teams().create(name);
        } catch (ConflictException e) {
            throw AdminBody.conflict(e.getMessage());
        }
        identity.registry().refresh();
        audit.record(request, "team.create", "team", team.id(), null, IdentityViews.team(team));
        return AdminResponse.created(IdentityViews.team(team));
    }

    private Object get(AdminRequest request) {
        String id = request.path("teamId");
        request.requireTeam(id, false);
        return IdentityViews.team(identity.teams().get(id).orElseThrow(() -> AdminBody.notFound("team", id)));
    }

    private Object rename(AdminRequest request) {
        String id = request.path("teamId");
        String name = AdminBody.text(request.body(), "name", true);
        Team before = identity.teams().get(id).orElseThrow(() -> AdminBody.notFound("team", id));
        Team after;
        try {
            after = identity.teams().rename(id, name).orElseThrow(() -> AdminBody.notFound("team", id));
        } catch (ConflictException e) {
            throw AdminBody.conflict(e.getMessage());
        }
        identity.registry().refresh();
        audit.record(request, "team.update", "team", id, IdentityViews.team(before), IdentityViews.team(after));
        return IdentityViews.team(after);
    }

    private Object delete(AdminRequest request) {
        String id = request.path("teamId");
        Team before = identity.teams().get(id).orElseThrow(() -> AdminBody.notFound("team", id));
        try {
            identity.teams().delete(id);
        } catch (ConflictException e) {
            throw AdminBody.conflict(e.getMessage());
        }
        identity.registry().refresh();
        audit.record(request, "team.delete", "team", id, IdentityViews.team(before), null);
        return AdminResponse.noContent();
    }
}
