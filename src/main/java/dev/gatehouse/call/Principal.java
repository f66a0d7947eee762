package dev.gatehouse.call;

import java.util.Set;

/**
 * Who is calling, as established by an authenticator. Stages read its ids to find the
 * limits, budgets and policies that apply (all held in memory).
 *
 * @param id stable identifier for logs and accounting (never the key itself)
 * @param kind how the caller proved who it is: "master-key", "virtual-key", "jwt"
 * @param keyId the virtual key's id, or null
 * @param userId the owning or authenticated user, or null
 * @param teamId the team the traffic is charged to, or null
 * @param roles admin roles: owner, admin, team-admin, member, auditor
 * @param rules what this principal may use
 */
public record Principal(
        String id, String kind, String keyId, String userId, String teamId, Set<String> roles, AccessRules rules) {

    public static final Principal MASTER =
            new Principal("master", "master-key", null, null, null, Set.of("owner"), AccessRules.ALLOW_ALL);

    public Principal {
        roles = roles == null ? Set.of() : Set.copyOf(roles);
        rules = rules == null ? AccessRules.ALLOW_ALL : rules;
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    /** Whether this caller may use the public model {@code model} (listing and routing). */
    public boolean mayUseModel(String model) {
        return rules.checkModel(model) == null;
    }
}
