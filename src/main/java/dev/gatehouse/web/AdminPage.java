package dev.gatehouse.web;

import dev.gatehouse.store.Page;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** One page of a listing: the items and the cursor for the next page (null on the last). */
public record AdminPage<T>(List<T> data, String nextCursor) {
    /** A store's page, each row shown through {@code view}. */
    public static <T> AdminPage<Map<String, Object>> of(Page<T> page, Function<T, Map<String, Object>> view) {
        return new AdminPage<>(page.items().stream().map(view).toList(), page.next());
    }
}
