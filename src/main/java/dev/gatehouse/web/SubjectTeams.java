package dev.gatehouse.web;

/**
 * Which team a key or user belongs to, so a team-admin may put budgets and limits on their own
 * team's keys and users but not on anyone else's. The composition root answers it from the
 * identity module; a key or user whose team is unknown (null) is left to owners and admins.
 */
@FunctionalInterface
public interface SubjectTeams {
    /** @param kind "key" or "user"; @return the owning team id, or null when unknown */
    String teamOf(String kind, String id);
}
