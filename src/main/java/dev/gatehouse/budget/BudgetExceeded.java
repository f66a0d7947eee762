package dev.gatehouse.budget;

/** A reservation did not fit: which budget refused it and where it stood. */
public record BudgetExceeded(Budget budget, long periodStart, long spent, long reserved, long requested) {}
