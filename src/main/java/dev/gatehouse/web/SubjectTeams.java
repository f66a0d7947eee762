package dev.gatehouse.web;

/**
 * Which team a key or user belongs to, so a team-admin may put budgets and limits on their own
 * team's keys and users but not on anyone else's. The identity module provides the real lookup;
 * until it is wired, {@link #UNKNOWN} lets only owners and admins manage key and user budgets.
 */
@FunctionalInterface
public interface SubjectTeams {
    /** @param kind "key" or "user"; @return the owning team id, or null when unknown */
    String teamOf(String kind, String id);

    SubjectTeams UNKNOWN = (kind, id) -> null;
}
