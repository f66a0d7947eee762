package dev.gatehouse.api.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.config.RagConfig;
import dev.gatehouse.rag.KnowledgeBase;
import dev.gatehouse.rag.RagStore;
import dev.gatehouse.store.TestPostgres;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No orphaned bytes: when a file's row cannot be written after its bytes were stored (a failure
 * injected with a database trigger, on SQLite and on PostgreSQL), the bytes are removed from the
 * data folder and the database's parts; ephemeral bytes are let go; an ingestion whose outcome
 * cannot be recorded leaves no searchable chunk; and what a crash left behind (spooled uploads,
 * half-fetched copies, bytes without a row) is swept at the next start.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RagOrphanBytesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static HttpResponse<String> send(GatewayHarness gateway, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.origin() + path))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY);
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return gateway.send(b);
    }

    static List<String> names(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    /** The data folder's files and uploads are empty once the request's own cleanup ran. */
    static void awaitNoBytes(Path rag) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while ((!names(rag.resolve("files")).isEmpty() || !names(rag.resolve("uploads")).isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(names(rag.resolve("files"))).as("bytes under rag/files").isEmpty();
        assertThat(names(rag.resolve("uploads"))).as("spooled uploads").isEmpty();
    }

    static void sqlite(GatewayHarness gateway, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + gateway.dir().resolve("data/gatehouse.db"));
                Statement st = c.createStatement()) {
            st.execute("PRAGMA busy_timeout = 5000");
            st.execute(sql);
        }
    }

    @Test
    void aFailedRowInsertLeavesNoBytesOnSqliteAndAStartSweepsWhatACrashLeft() throws Exception {
        String canary = "CANARY" + Long.toHexString(System.nanoTime()) + "ORPHAN";
        GatewayHarness gateway = GatewayHarness.start(GatewayHarness.mockConfig());
        Path rag = gateway.dir().resolve("data/rag");
        Gatehouse restarted = null;
        try {
            sqlite(gateway, "CREATE TRIGGER refuse_rag_files BEFORE INSERT ON rag_files BEGIN SELECT RAISE(ABORT, 'injected'); END");
            HttpResponse<String> up = RagSdkTest.send(gateway, GatewayHarness.MASTER_KEY, "notes.txt",
                    ("The vault code is " + canary).getBytes(StandardCharsets.UTF_8), "assistants");
            assertThat(up.statusCode()).as(up.body()).isEqualTo(500);
            assertThat(JSON.readTree(up.body()).path("error").path("type").asText()).isEqualTo("server_error");
            assertThat(up.body()).doesNotContain(canary);
            awaitNoBytes(rag);
            assertThat(RagClusterTest.contains(rag, canary)).as("the canary under rag/").isFalse();
            assertThat(JSON.readTree(send(gateway, "GET", "/v1/files", null).body()).path("data")).isEmpty();

            // The same upload once the database takes it again: kept, as usual.
            sqlite(gateway, "DROP TRIGGER refuse_rag_files");
            HttpResponse<String> ok = RagSdkTest.send(gateway, GatewayHarness.MASTER_KEY, "notes.txt",
                    ("The vault code is " + canary).getBytes(StandardCharsets.UTF_8), "assistants");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            String kept = JSON.readTree(ok.body()).path("id").asText();
            assertThat(names(rag.resolve("files"))).containsExactly(kept);

            // What a crash leaves: bytes whose row was never written, a half-fetched copy, a spooled upload.
            gateway.close();
            Files.writeString(rag.resolve("files/file-0123456789abcdef01234567"), canary + " without a row");
            Files.writeString(rag.resolve("files/file-89abcdef0123456789abcdef.part"), canary + " half fetched");
            Files.writeString(rag.resolve("uploads/spooled-upload"), canary + " still arriving");
            restarted = Gatehouse.start(new Gatehouse.Options(gateway.configFile(), "127.0.0.1", 0, gateway.dir().resolve("data"), false));
            assertThat(names(rag.resolve("files"))).containsExactly(kept);
            assertThat(names(rag.resolve("uploads"))).isEmpty();
            HttpResponse<String> content = gateway.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restarted.port()
                    + "/v1/files/" + kept + "/content")).header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY).GET());
            assertThat(content.body()).isEqualTo("The vault code is " + canary);
        } finally {
            if (restarted != null) {
                restarted.close();
            } else {
                gateway.close();
            }
        }
    }

    @Test
    void anIngestionWhoseOutcomeCannotBeRecordedLeavesNoSearchableChunk() throws Exception {
        String canary = "CANARY" + Long.toHexString(System.nanoTime()) + "CHUNK";
        try (GatewayHarness gateway = GatewayHarness.start(GatewayHarness.mockConfig())) {
            sqlite(gateway, "CREATE TRIGGER refuse_completed BEFORE UPDATE ON rag_vector_store_files WHEN NEW.status = 'completed'"
                    + " BEGIN SELECT RAISE(ABORT, 'injected'); END");
            String file = JSON.readTree(RagSdkTest.send(gateway, GatewayHarness.MASTER_KEY, "notes.txt",
                    ("The vault code is " + canary).getBytes(StandardCharsets.UTF_8), "assistants").body()).path("id").asText();
            String store = JSON.readTree(send(gateway, "POST", "/v1/vector_stores", "{\"name\":\"x\"}").body()).path("id").asText();
            send(gateway, "POST", "/v1/vector_stores/" + store + "/files", "{\"file_id\":\"" + file + "\"}");
            JsonNode settled = RagGovernanceTest.settle(gateway.origin(), GatewayHarness.MASTER_KEY, store, file);
            assertThat(settled.path("status").asText()).isEqualTo("failed");
            JsonNode hits = JSON.readTree(send(gateway, "POST", "/v1/vector_stores/" + store + "/search",
                    "{\"query\":\"vault code " + canary + "\"}").body()).path("data");
            assertThat(hits).as("chunks of a file that is not completed").isEmpty();
        }
    }

    @Test
    void aFailedRowInsertLeavesNoBytesOnPostgresNorOnTheNodesDisk() throws Exception {
        TestPostgres pg = TestPostgres.createSchema();
        String canary = "CANARY" + Long.toHexString(System.nanoTime()) + "PARTS";
        try (GatewayHarness gateway = GatewayHarness.start(GatewayHarness.mockConfig() + """
                storage:
                  url: "%s"
                """.formatted(pg.url()))) {
            Path rag = gateway.dir().resolve("data/rag");
            try (Connection c = DriverManager.getConnection(pg.url()); Statement st = c.createStatement()) {
                st.execute("CREATE FUNCTION refuse_rag_files() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$"
                        + " LANGUAGE plpgsql");
                st.execute("CREATE TRIGGER refuse_rag_files BEFORE INSERT ON rag_files FOR EACH ROW EXECUTE FUNCTION refuse_rag_files()");
            }
            HttpResponse<String> up = RagSdkTest.send(gateway, GatewayHarness.MASTER_KEY, "notes.txt",
                    ("The vault code is " + canary).getBytes(StandardCharsets.UTF_8), "assistants");
            assertThat(up.statusCode()).as(up.body()).isEqualTo(500);
            awaitNoBytes(rag);
            assertThat(count(pg, "rag_file_parts")).as("parts in the database").isZero();
            assertThat(count(pg, "rag_files")).isZero();
            assertThat(RagClusterTest.contains(rag, canary)).isFalse();

            try (Connection c = DriverManager.getConnection(pg.url()); Statement st = c.createStatement()) {
                st.execute("DROP TRIGGER refuse_rag_files ON rag_files");
            }
            HttpResponse<String> ok = RagSdkTest.send(gateway, GatewayHarness.MASTER_KEY, "notes.txt",
                    ("The vault code is " + canary).getBytes(StandardCharsets.UTF_8), "assistants");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(count(pg, "rag_file_parts")).isEqualTo(1);
            assertThat(names(rag.resolve("files"))).containsExactly(JSON.readTree(ok.body()).path("id").asText());
        } finally {
            pg.drop();
        }
    }

    static long count(TestPostgres pg, String table) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.url()); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void ephemeralBytesAreLetGoWhenTheRowCannotBeWritten() throws Exception {
        try (KnowledgeBase kb = KnowledgeBase.ephemeral((model, inputs, credentials) -> CompletableFuture.completedFuture(List.of()),
                RagConfig.DEFAULTS, 1024)) {
            String id = "file-0123456789abcdef01234567";
            assertThat(kb.keep(id, new byte[1000])).isTrue();
            // A row the database refuses (no filename: NOT NULL).
            RagStore.FileRow bad = new RagStore.FileRow(id, "team:t", null, "assistants", 1000, 1);
            assertThatThrownBy(() -> kb.addKeptFile(bad).join()).hasRootCauseInstanceOf(java.sql.SQLException.class);
            assertThat(kb.bytes(id)).isNull();
            // The space is free again: another file of the same size fits.
            assertThat(kb.keep("file-89abcdef0123456789abcdef", new byte[1000])).isTrue();
        }
    }
}
