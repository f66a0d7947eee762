package dev.gatehouse.store;

import java.util.List;

/** One page of rows ordered by id, and the id to continue after (null on the last page). */
public record Page<T>(List<T> items, String next) {}
