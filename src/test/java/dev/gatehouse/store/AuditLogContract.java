package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.audit.AuditEntry;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.audit.AuditQuery;
import dev.gatehouse.audit.VerifyResult;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The audit chain on every storage backend: appends, verification, and tampering done directly
 * in the database (as an attacker with SQL access would) being found at the first broken entry.
 * Every test gets an empty database, since verification covers the whole table.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
abstract class AuditLogContract {
    Database db;
    AuditLog log;

    /** A new, empty, migrated database for one test. */
    abstract Database openFresh() throws Exception;

    /** Another handle on the same database (a second gateway node). */
    abstract Database openAgain() throws Exception;

    abstract void dropFresh() throws Exception;

    @BeforeEach
    void open() throws Exception {
        db = openFresh();
        log = new AuditLog(db);
    }

    @AfterEach
    void close() throws Exception {
        try {
            db.close();
        } finally {
            dropFresh();
        }
    }

    void appendSome(int n) {
        for (int i = 1; i <= n; i++) {
            Map<String, Object> after = new LinkedHashMap<>();
            after.put("name", "team-" + i);
            after.put("budget", i * 10);
            log.append("user-" + (i % 2), "virtual-key", "10.0.0." + i, "req-" + i, i % 2 == 0 ? "team.update" : "team.create",
                    "team", "t" + i, i == 1 ? null : Map.of("name", "old"), after);
        }
    }

    void sql(String statement, Object... args) {
        db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(statement)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                return ps.executeUpdate();
            }
        });
    }

    @Test
    void anEmptyChainIsIntact() {
        VerifyResult result = log.verify();
        assertThat(result.intact()).isTrue();
        assertThat(result.message()).isEqualTo("audit chain intact: 0 entries");
    }

    @Test
    void appendsFormALinkedChainThatVerifies() {
        appendSome(5);
        List<AuditEntry> all = new ArrayList<>();
        log.export(AuditQuery.ALL, all::add);
        assertThat(all).extracting(AuditEntry::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(all.getFirst().prevHash()).isEqualTo("0".repeat(64));
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i).prevHash()).isEqualTo(all.get(i - 1).hash());
        }
        VerifyResult result = log.verify();
        assertThat(result.intact()).isTrue();
        assertThat(result.entries()).isEqualTo(5);
        assertThat(result.headHash()).isEqualTo(all.getLast().hash());
        assertThat(result.message()).startsWith("audit chain intact: 5 entries");
    }

    @Test
    void anAlteredAfterValueIsFoundAtItsEntry() {
        appendSome(5);
        sql("UPDATE audit_log SET after_json = ? WHERE seq = 3", "{\"budget\":1000000,\"name\":\"team-3\"}");
        VerifyResult result = log.verify();
        assertThat(result.intact()).isFalse();
        assertThat(result.brokenSeq()).isEqualTo(3);
        assertThat(result.entries()).isEqualTo(2);
        assertThat(result.reason()).contains("contents changed");
        assertThat(result.message()).startsWith("audit chain BROKEN at seq 3");
    }

    @Test
    void anAlteredBeforeValueOrActorIsFound() {
        appendSome(4);
        sql("UPDATE audit_log SET before_json = NULL WHERE seq = 2");
        assertThat(log.verify().brokenSeq()).isEqualTo(2);
        sql("UPDATE audit_log SET before_json = ? WHERE seq = 2", "{\"name\":\"old\"}");
        assertThat(log.verify().intact()).isTrue();
        sql("UPDATE audit_log SET actor_id = 'someone-else' WHERE seq = 4");
        assertThat(log.verify().brokenSeq()).isEqualTo(4);
    }

    @Test
    void anUpdatedRowWithARecomputedHashBreaksTheNextLink() {
        appendSome(4);
        // An attacker who recomputes the row's own hash still breaks the link from entry 3.
        AuditEntry two = log.list(new AuditQuery(null, null, null, "t2", null, null), 1, null).getFirst();
        String forged = dev.gatehouse.audit.AuditChain.hash(two.seq(), two.at(), "intruder", two.actorKind(),
                two.clientAddress(), two.requestId(), two.action(), two.targetType(), two.targetId(), two.before(),
                two.after(), two.prevHash());
        sql("UPDATE audit_log SET actor_id = 'intruder', hash = ? WHERE seq = 2", forged);
        VerifyResult result = log.verify();
        assertThat(result.brokenSeq()).isEqualTo(3);
        assertThat(result.reason()).contains("prev_hash does not match the hash of entry 2");
    }

    @Test
    void aDeletedRowIsFoundWhereTheChainJumps() {
        appendSome(5);
        sql("DELETE FROM audit_log WHERE seq = 3");
        VerifyResult result = log.verify();
        assertThat(result.intact()).isFalse();
        assertThat(result.brokenSeq()).isEqualTo(4);
        assertThat(result.reason()).contains("entries 3 are missing").contains("from 2 to 4");
    }

    @Test
    void aDeletedFirstRowIsFound() {
        appendSome(3);
        sql("DELETE FROM audit_log WHERE seq = 1");
        VerifyResult result = log.verify();
        assertThat(result.brokenSeq()).isEqualTo(2);
        assertThat(result.reason()).contains("starts at seq 2");
    }

    @Test
    void reorderedRowsAreFound() {
        appendSome(5);
        sql("UPDATE audit_log SET seq = 100 WHERE seq = 2");
        sql("UPDATE audit_log SET seq = 2 WHERE seq = 3");
        sql("UPDATE audit_log SET seq = 3 WHERE seq = 100");
        VerifyResult result = log.verify();
        assertThat(result.intact()).isFalse();
        assertThat(result.brokenSeq()).isEqualTo(2);
    }

    @Test
    void secretsAreMaskedInBeforeAndAfter() {
        log.append("master", "master-key", null, null, "credential.create", "provider_credential", "c1",
                null, Map.of("provider", "openai", "api_key", "sk-proj-SUPERSECRET-0000-abcd", "key_id", "k1"));
        AuditEntry entry = log.list(AuditQuery.ALL, 10, null).getFirst();
        assertThat(entry.after()).doesNotContain("SUPERSECRET").contains("sk-…abcd").contains("\"key_id\":\"k1\"");
        assertThat(log.verify().intact()).isTrue();
    }

    @Test
    void listFiltersAndPagesNewestFirst() {
        appendSome(6);
        assertThat(log.list(new AuditQuery("team.update", null, null, null, null, null), 50, null))
                .extracting(AuditEntry::seq).containsExactly(6L, 4L, 2L);
        assertThat(log.list(new AuditQuery(null, "user-1", null, null, null, null), 50, null))
                .extracting(AuditEntry::seq).containsExactly(5L, 3L, 1L);
        assertThat(log.list(new AuditQuery(null, null, "team", "t4", null, null), 50, null))
                .extracting(AuditEntry::seq).containsExactly(4L);
        assertThat(log.list(AuditQuery.ALL, 2, 5L)).extracting(AuditEntry::seq).containsExactly(4L, 3L);
        long cut = log.list(AuditQuery.ALL, 50, null).getLast().at();
        assertThat(log.list(new AuditQuery(null, null, null, null, cut, null), 50, null)).hasSize(6);
        assertThat(log.list(new AuditQuery(null, null, null, null, null, cut), 50, null)).isEmpty();
    }

    @Test
    void concurrentAppendsFromTwoNodesStayLinear() throws Exception {
        int perNode = 40;
        try (Database other = openAgain()) {
            AuditLog nodeB = new AuditLog(other);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                CyclicBarrier start = new CyclicBarrier(8);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    AuditLog node = t % 2 == 0 ? log : nodeB;
                    int thread = t;
                    done.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        for (int i = 0; i < perNode / 4; i++) {
                            node.append("thread-" + thread, "test", null, null, "x.append", "x", thread + "-" + i, null,
                                    Map.of("i", i));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(log.count()).isEqualTo(2L * perNode);
        VerifyResult result = log.verify();
        assertThat(result.intact()).as(result.message()).isTrue();
        assertThat(result.entries()).isEqualTo(2L * perNode);
    }
}
