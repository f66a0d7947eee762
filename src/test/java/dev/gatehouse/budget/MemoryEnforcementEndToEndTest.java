package dev.gatehouse.budget;

/** Single node: budgets and limits in process memory. */
class MemoryEnforcementEndToEndTest extends EnforcementEndToEnd {
    @Override
    String extraConfig() {
        return "";
    }
}
