package dev.gatehouse.identity;

/**
 * A virtual API key as stored: never the key itself, only its SHA-256 and a short display prefix.
 *
 * @param ownerType {@code user}, {@code service} or {@code team}
 * @param teamId the team its traffic is charged to (null only for an org-level user's key)
 * @param expiresAt epoch millis, or null for no expiry (rotation sets it to the end of the grace period)
 * @param revokedAt epoch millis, or null while not revoked
 * @param rotatedTo the key that replaced this one, or null
 * @param revision the identity revision of the last change, for incremental reloads
 */
public record VirtualKey(String id, String keyHash, String displayPrefix, String name, String ownerType, String ownerId,
        String teamId, Long expiresAt, Long revokedAt, String rotatedTo, Long lastUsedAt, long createdAt, long updatedAt,
        long revision) {
    public static final String KEY_PREFIX = "gh-";
    public static final String OWNER_USER = "user";
    public static final String OWNER_SERVICE = "service";
    public static final String OWNER_TEAM = "team";

    /** "active", "revoked" or "expired" at {@code now}. */
    public String status(long now) {
        if (revokedAt != null) {
            return "revoked";
        }
        if (expiresAt != null && expiresAt <= now) {
            return "expired";
        }
        return "active";
    }

    /** Whether the key's user (owner user or service account) is {@code userId}. */
    public boolean ownedByUser(String userId) {
        return userId != null && !OWNER_TEAM.equals(ownerType) && userId.equals(ownerId);
    }

    /** The user id of a user- or service-owned key, else null. */
    public String userId() {
        return OWNER_TEAM.equals(ownerType) ? null : ownerId;
    }
}
