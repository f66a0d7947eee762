/**
 * Deliberately broken classes, one or two per rule of {@link dev.gatehouse.ArchitectureRules}, laid
 * out like the gateway under another root: ArchitectureRulesCanFailTest shows that every rule
 * reports them. Never used by anything else; ArchitectureTest does not import test classes.
 */
package dev.gatehouse.archfixture;
