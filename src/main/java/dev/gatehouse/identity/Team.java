package dev.gatehouse.identity;

/** A team: the unit keys, users, policies, budgets and usage belong to. */
public record Team(String id, String name, long createdAt, long updatedAt) {}
