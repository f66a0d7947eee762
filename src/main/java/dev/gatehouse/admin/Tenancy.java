package dev.gatehouse.admin;

import dev.gatehouse.call.Principal;
import dev.gatehouse.identity.Roles;
import dev.gatehouse.web.AdminBody;
import dev.gatehouse.web.AdminRequest;

/**
 * Who may see or change which team's objects. Objects outside the caller's reach are reported
 * as not found (404), never as forbidden, so another team's ids cannot even be probed.
 */
final class Tenancy {
    private Tenancy() {}

    /** Owners and admins: every team, read and write. */
    static boolean orgWide(Principal p) {
        return p.hasRole(Roles.OWNER) || p.hasRole(Roles.ADMIN);
    }

    /** Owners, admins and auditors read every team. */
    static boolean readsAll(Principal p) {
        return orgWide(p) || p.hasRole(Roles.AUDITOR);
    }

    static boolean teamAdminOf(Principal p, String teamId) {
        return teamId != null && p.hasRole(Roles.TEAM_ADMIN) && teamId.equals(p.teamId());
    }

    /** Auditors are read-only: refuse a change unless the caller also holds a role that may write. */
    static void requireWriter(AdminRequest request) {
        Principal p = request.principal();
        if (!(orgWide(p) || p.hasRole(Roles.TEAM_ADMIN) || p.hasRole(Roles.MEMBER))) {
            throw AdminBody.forbidden("Your role is read-only (auditor).");
        }
    }
}
