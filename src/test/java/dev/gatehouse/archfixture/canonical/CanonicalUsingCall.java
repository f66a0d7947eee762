package dev.gatehouse.archfixture.canonical;

import dev.gatehouse.archfixture.call.CallUsingRouting;

/** Breaks "the canonical model uses nothing of the gateway". */
public final class CanonicalUsingCall {
    public static void read() {
        CallUsingRouting.admit();
    }
}
