package dev.gatehouse.archfixture.web;

import dev.gatehouse.archfixture.Gatehouse;

/** Breaks "nothing uses the composition root". */
public final class WebUsingRoot {
    public static void restart() {
        Gatehouse.start();
    }
}
