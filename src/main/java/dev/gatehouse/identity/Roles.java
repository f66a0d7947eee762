package dev.gatehouse.identity;

import java.util.List;

/** The admin roles, from most to least powerful (auditor is read-only across the organisation). */
public final class Roles {
    public static final String OWNER = "owner";
    public static final String ADMIN = "admin";
    public static final String TEAM_ADMIN = "team-admin";
    public static final String MEMBER = "member";
    public static final String AUDITOR = "auditor";
    public static final List<String> ALL = List.of(OWNER, ADMIN, TEAM_ADMIN, MEMBER, AUDITOR);
    /** Roles a team-admin may hand out: nothing above their own, nothing organisation-wide. */
    public static final List<String> TEAM_ASSIGNABLE = List.of(TEAM_ADMIN, MEMBER);

    private Roles() {}

    public static boolean isValid(String role) {
        return role != null && ALL.contains(role);
    }

    /** Roles that act on the whole organisation rather than one team. */
    public static boolean isOrgWide(String role) {
        return OWNER.equals(role) || ADMIN.equals(role) || AUDITOR.equals(role);
    }
}
