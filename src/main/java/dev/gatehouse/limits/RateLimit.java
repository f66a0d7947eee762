package dev.gatehouse.limits;

/**
 * Limits for one subject: requests per minute, tokens per minute, requests in flight. A null
 * limit is not enforced.
 *
 * @param scope key, user, team or model
 * @param subject the key, user or team id, or the public model name for scope model
 * @param model only calls to this public model count (null: all models); not used for scope model
 * @param teamId the owning team, for tenant scoping of the admin API (null: org-level)
 */
public record RateLimit(String id, String name, Scope scope, String subject, String model, String teamId,
        Long rpm, Long tpm, Integer concurrent, long createdAt, long updatedAt) {

    public RateLimit {
        if (!Scope.RATE_LIMITS.contains(scope)) {
            throw new IllegalArgumentException("a rate limit cannot have scope " + scope);
        }
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("a rate limit needs a subject (the " + scope.wire() + ")");
        }
        if ((rpm != null && rpm < 1) || (tpm != null && tpm < 1) || (concurrent != null && concurrent < 1)) {
            throw new IllegalArgumentException("rpm, tpm and concurrent must be at least 1 (leave out to not limit)");
        }
        if (rpm == null && tpm == null && concurrent == null) {
            throw new IllegalArgumentException("set at least one of rpm, tpm, concurrent");
        }
        if (scope == Scope.MODEL) {
            model = null;
        }
    }

    /** Bucket identity: a changed limit starts a fresh bucket rather than inheriting a differently sized one. */
    String bucketKey(String kind, long capacity) {
        return id + ":" + kind + ":" + capacity;
    }
}
