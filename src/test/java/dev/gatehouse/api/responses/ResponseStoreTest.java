package dev.gatehouse.api.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.gatehouse.call.Principal;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The response store on SQLite and on PostgreSQL: owner scoping and the retention purge. */
class ResponseStoreTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sqlite() throws Exception {
        Path dir = Files.createTempDirectory("responses-store");
        try (Database db = Database.open(null, null, null, dir)) {
            exercise(new ResponseStore(db));
        }
    }

    @Test
    void postgres() throws Exception {
        TestPostgres pg = TestPostgres.createSchema();
        try (Database db = Database.open(pg.url(), null, null, null)) {
            exercise(new ResponseStore(db));
        } finally {
            pg.drop();
        }
    }

    private static void exercise(ResponseStore store) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        ArrayNode items = JSON.createArrayNode();
        items.addObject().put("id", "item_1").put("type", "message");
        store.put(new ResponseStore.Stored("resp_old", "team:a", now - Duration.ofDays(40).toSeconds(), "m",
                JSON.createObjectNode().put("id", "resp_old"), items, items)).get();
        store.put(new ResponseStore.Stored("resp_new", "team:a", now, "m", JSON.createObjectNode().put("id", "resp_new"), items,
                items)).get();

        assertThat(store.get("team:a", "resp_new").get()).isPresent();
        assertThat(store.get("team:b", "resp_new").get()).isEmpty();
        assertThat(store.get("team:a", "resp_new").get().orElseThrow().inputItems().get(0).get("id").asText()).isEqualTo("item_1");
        assertThat(store.delete("team:b", "resp_new").get()).isFalse();

        assertThat(store.purgeQuietly(Duration.ZERO)).isZero(); // zero keeps everything
        assertThat(store.purgeQuietly(Duration.ofDays(30))).isEqualTo(1);
        assertThat(store.get("team:a", "resp_old").get()).isEmpty();
        assertThat(store.get("team:a", "resp_new").get()).isPresent();
        assertThat(store.delete("team:a", "resp_new").get()).isTrue();
        assertThat(store.get("team:a", "resp_new").get()).isEmpty();
    }

    @Test
    void ownerIsTheTeamElseTheCaller() {
        assertThat(ResponseStore.owner(new Principal("k1", "virtual-key", "k1", null, "t1", Set.of(), null))).isEqualTo("team:t1");
        assertThat(ResponseStore.owner(Principal.MASTER)).isEqualTo("principal:master");
    }
}
