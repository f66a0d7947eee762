package dev.gatehouse.audit;

/**
 * Filters for listing or exporting the audit trail; null fields do not filter.
 *
 * @param actor the actor's principal id
 * @param since epoch millis, inclusive
 * @param until epoch millis, exclusive
 */
public record AuditQuery(String action, String actor, String targetType, String targetId, Long since, Long until) {
    public static final AuditQuery ALL = new AuditQuery(null, null, null, null, null, null);
}
