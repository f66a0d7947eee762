package dev.gatehouse.archfixture;

/** Stands for the composition root. */
public final class Gatehouse {
    public static void start() {}
}
