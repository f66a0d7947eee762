package dev.gatehouse.web;

/**
 * Receives every admin change. Called by endpoint handlers after a change was committed, with
 * secrets already masked in {@code before}/{@code after}.
 */
public interface AuditSink {
    /**
     * @param action e.g. "key.create", "team.update", "budget.delete"
     * @param before the object before the change (null on create), as a JSON-serialisable value
     * @param after the object after the change (null on delete)
     */
    void record(AdminRequest request, String action, String targetType, String targetId, Object before, Object after);
}
