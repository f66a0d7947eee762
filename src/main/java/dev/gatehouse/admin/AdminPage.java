package dev.gatehouse.admin;

import java.util.List;

/** One page of a listing: the items and the cursor for the next page (null on the last). */
public record AdminPage<T>(List<T> data, String nextCursor) {}
