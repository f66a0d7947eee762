package dev.gatehouse.provider;

/**
 * What kind of failure an upstream call had. Routing decides from this whether another attempt
 * (on this or another target) can help.
 */
public enum ErrorClass {
    RATE_LIMIT(true),
    OVERLOADED(true),
    TIMEOUT(true),
    CONNECTION(true),
    CONTEXT_LENGTH(true), // only to targets with a larger context window (see AttemptPlan)
    CONTENT_POLICY(false),
    AUTHENTICATION(true), // the next target uses another key, so moving on can help
    PERMISSION(true),
    NOT_FOUND(true), // a model missing at one provider may exist at the next
    BAD_REQUEST(false),
    UPSTREAM_ERROR(true);

    private final boolean tryNextTarget;

    ErrorClass(boolean tryNextTarget) {
        this.tryNextTarget = tryNextTarget;
    }

    /** Whether another target might succeed where this one failed. */
    public boolean tryNextTarget() {
        return tryNextTarget;
    }
}
