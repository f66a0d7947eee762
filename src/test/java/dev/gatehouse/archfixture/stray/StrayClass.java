package dev.gatehouse.archfixture.stray;

/** Breaks "every class belongs to a layer": 'stray' is not in ArchitectureRules.LAYERS. */
public final class StrayClass {}
