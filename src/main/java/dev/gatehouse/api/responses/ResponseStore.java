package dev.gatehouse.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.Principal;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.Fence;
import dev.gatehouse.store.Sql;
import dev.gatehouse.store.SqlWork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stored Responses API responses, in the gateway's database (SQLite or PostgreSQL). Every row
 * belongs to an owner (the caller's team, or the caller itself when it has none) and every read and
 * delete is scoped by it: another team's id reads as not found. All work runs through
 * {@link Database#async}, never on the event loop.
 */
public final class ResponseStore {
    private static final Logger log = LoggerFactory.getLogger(ResponseStore.class);
    private final Database database;

    public ResponseStore(Database database) {
        this.database = database;
    }

    /** One stored response. */
    public record Stored(String id, String owner, long createdAt, String model, JsonNode response, JsonNode inputItems,
            JsonNode conversation) {}

    /** Who owns what a caller stores: its team, or the caller itself when it has no team. */
    public static String owner(Principal principal) {
        if (principal == null) {
            return "principal:anonymous";
        }
        return principal.teamId() != null ? "team:" + principal.teamId() : "principal:" + principal.id();
    }

    public CompletableFuture<Void> put(Stored s) {
        String response = json(s.response());
        String input = json(s.inputItems());
        String conversation = json(s.conversation());
        return database.async(c -> {
            Sql.update(c, "INSERT INTO responses (id, owner, created_at, model, response, input_items, conversation)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?)", s.id(), s.owner(), s.createdAt(), s.model(), response, input, conversation);
            return null;
        });
    }

    public CompletableFuture<Optional<Stored>> get(String owner, String id) {
        return database.async(c -> {
            try (PreparedStatement ps = Sql.prepare(c, "SELECT id, owner, created_at, model, response, input_items, conversation"
                    + " FROM responses WHERE id = ? AND owner = ?", id, owner); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Stored(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), tree(rs.getString(5)),
                        tree(rs.getString(6)), tree(rs.getString(7))));
            }
        });
    }

    /** Deletes one response of {@code owner}; false when there is none. */
    public CompletableFuture<Boolean> delete(String owner, String id) {
        return database.async(c -> Sql.update(c, "DELETE FROM responses WHERE id = ? AND owner = ?", id, owner) > 0);
    }

    /** Deletes responses created before {@code epochSeconds}; returns how many. Blocks: call it off the event loop. */
    public int deleteBefore(long epochSeconds) {
        return deleteBefore(epochSeconds, Fence.NONE);
    }

    /** As {@link #deleteBefore(long)}, refused once {@code fence} says another node leads the background work. */
    public int deleteBefore(long epochSeconds, Fence fence) {
        return database.call(SqlWork.inTransaction(c -> {
            fence.check(c);
            return Sql.update(c, "DELETE FROM responses WHERE created_at < ?", epochSeconds);
        }));
    }

    /**
     * Deletes the responses older than {@code retention} (zero: keeps them); returns how many.
     * A storage outage is logged and retried at the next run: retention is not urgent.
     */
    public int purgeQuietly(Duration retention) {
        return purgeQuietly(retention, Fence.NONE);
    }

    /** As {@link #purgeQuietly(Duration)}, with the leader's fence (see {@link dev.gatehouse.store.LeaderLock#fence()}). */
    public int purgeQuietly(Duration retention, Fence fence) {
        if (retention == null || retention.isZero()) {
            return 0;
        }
        try {
            int deleted = deleteBefore(System.currentTimeMillis() / 1000 - retention.toSeconds(), fence);
            if (deleted > 0) {
                log.info("responses retention: deleted {} stored responses older than {}", deleted, retention);
            }
            return deleted;
        } catch (RuntimeException e) {
            log.warn("responses retention not applied (storage unavailable, or another node leads now): {}", e.getMessage());
            return 0;
        }
    }

    private static String json(JsonNode node) {
        try {
            return OpenAiJson.MAPPER.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode tree(String json) {
        try {
            return OpenAiJson.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
