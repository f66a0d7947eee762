package dev.gatehouse.archfixture.call;

import dev.gatehouse.archfixture.routing.RouterUsingExecutor;

/** Breaks "call types use only the canonical model". */
public final class CallUsingRouting {
    public static void admit() {
        RouterUsingExecutor.route();
    }
}
