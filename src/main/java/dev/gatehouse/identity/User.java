package dev.gatehouse.identity;

/**
 * A person or a service account (kind {@code user} or {@code service}) with one admin role.
 *
 * @param teamId the team the user belongs to; null for organisation-level users (e.g. admins)
 * @param role one of {@link Roles#ALL}
 */
public record User(String id, String kind, String name, String email, String teamId, String role,
        long createdAt, long updatedAt) {
    public static final String PERSON = "user";
    public static final String SERVICE = "service";

    public boolean isService() {
        return SERVICE.equals(kind);
    }
}
