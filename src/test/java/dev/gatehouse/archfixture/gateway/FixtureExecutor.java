package dev.gatehouse.archfixture.gateway;

/** The executor, which dialects, routing and governance must not use. */
public final class FixtureExecutor {
    public static void dispatch() {}
}
