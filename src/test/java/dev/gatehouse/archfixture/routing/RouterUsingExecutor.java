package dev.gatehouse.archfixture.routing;

import dev.gatehouse.archfixture.gateway.FixtureExecutor;

/** Breaks "routing, access and governance use no executor". */
public final class RouterUsingExecutor {
    public static void route() {
        FixtureExecutor.dispatch();
    }
}
