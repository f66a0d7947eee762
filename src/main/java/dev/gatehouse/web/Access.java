package dev.gatehouse.web;

import dev.gatehouse.call.Principal;

/**
 * Who may call an admin endpoint at all. Endpoints that touch a team's data additionally scope
 * the request to the caller's team ({@link AdminRequest#requireTeam}), so a team-admin can never
 * reach another team's data even on an endpoint their role may call.
 */
public enum Access {
    /** owner and admin only: organisation-wide changes. */
    ADMIN("owner", "admin"),
    /** owner, admin, team-admin (scoped to their team): team management. */
    TEAM_WRITE("owner", "admin", "team-admin"),
    /** owner, admin, team-admin (scoped), auditor (read-only, everything). */
    TEAM_READ("owner", "admin", "team-admin", "auditor"),
    /** anyone authenticated, members included (scoped to their own objects). */
    SELF("owner", "admin", "team-admin", "auditor", "member"),
    /** owner, admin, auditor: the audit trail. */
    AUDIT("owner", "admin", "auditor");

    private final String[] roles;

    Access(String... roles) {
        this.roles = roles;
    }

    public boolean allows(Principal principal) {
        for (String role : roles) {
            if (principal.hasRole(role)) {
                return true;
            }
        }
        return false;
    }

    public String[] roles() {
        return roles.clone();
    }
}
