package dev.gatehouse.api.rag;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.store.TestPostgres;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.TestRedis;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Knowledge bases on two gateway nodes (each with its own data folder) sharing one PostgreSQL schema:
 * what one node ingests the other searches, with citations; a deletion on one leaves no trace on
 * either node's disk nor in the database; a node that starts later, or comes back with an old data
 * folder, catches up; an ingestion interrupted by a stop (or a node that died) ends failed, never
 * stuck in progress; and another team gets 404 on every endpoint of the node that did not ingest.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RagClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a node may take to apply another's change: the poll is 1 s; allow a loaded machine. */
    private static final Duration CONVERGE = Duration.ofSeconds(15);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestPostgres pg;
    private FakeOpenAi upstream;
    private String yaml;
    private GatewayHarness a;
    private GatewayHarness b;
    private String keyAlpha;
    private String keyBeta;

    @TempDir
    Path tmp;

    @BeforeAll
    void start() throws Exception {
        pg = TestPostgres.createSchema();
        upstream = FakeOpenAi.start().embeddingDimensions(64);
        yaml = """
                providers:
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 12}}
                  embedder: {kind: openai, base-url: "%s", api-key: %s}
                routing:
                  retries: {same-target: 0}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  text-embedding-3-small:
                    type: embedding
                    targets: [{provider: embedder}]
                storage:
                  url: "%s"
                redis:
                  url: "%s"
                  key-prefix: "t-rag-%s:"
                """.formatted(upstream.baseUrl(), FakeOpenAi.DEFAULT_KEY, pg.url(), TestRedis.url(), Long.toHexString(System.nanoTime()));
        a = GatewayHarness.start(yaml);
        b = GatewayHarness.start(yaml);
        AdminClient master = new AdminClient(a, GatewayHarness.MASTER_KEY);
        keyAlpha = key(master, master.ok("POST", "/teams", "{\"name\":\"alpha\"}").text("id"), "alpha-bot");
        keyBeta = key(master, master.ok("POST", "/teams", "{\"name\":\"beta\"}").text("id"), "beta-bot");
        // Keys made on node A reach node B within its refresh (well under a second through Redis, not at once).
        for (String key : List.of(keyAlpha, keyBeta)) {
            for (GatewayHarness node : List.of(a, b)) {
                awaitTrue(() -> send(node.origin(), key, "GET", "/v1/models", null).statusCode() == 200, "key known on " + node.origin());
            }
        }
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, upstream}) {
            if (c != null) {
                c.close();
            }
        }
        pg.drop();
    }

    private static String key(AdminClient master, String team, String name) {
        String svc = master.ok("POST", "/service-accounts", "{\"name\":\"" + name + "\",\"team_id\":\"" + team + "\"}").text("id");
        return master.ok("POST", "/keys", "{\"owner_id\":\"" + svc + "\"}").text("key");
    }

    // ---- the tests

    @Test
    @Order(1)
    void whatNodeAIngestsNodeBSearchesWithCitations() throws Exception {
        Ready r = ready(a.origin(), "SAPPHIRE-OTTER-4417");

        JsonNode hits = awaitSearch(b.origin(), r.store(), "sapphire otter code", h -> h.size() > 0);
        assertThat(hits.path(0).path("file_id").asText()).isEqualTo(r.file());
        assertThat(hits.path(0).path("filename").asText()).isEqualTo("notes-SAPPHIRE-OTTER-4417.md");
        assertThat(hits.path(0).path("content").toString()).contains("SAPPHIRE-OTTER-4417");

        // file_search on node B: the excerpt reaches the model, the citation names the file.
        HttpResponse<String> chat = send(b.origin(), keyAlpha, "POST", "/v1/chat/completions", """
                {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is the sapphire otter code?"}],
                 "tools": [{"type": "file_search", "vector_store_ids": ["%s"]}]}""".formatted(r.store()));
        assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
        JsonNode citations = JSON.readTree(chat.body()).path("gatehouse_file_search").path("results");
        assertThat(citations.path(0).path("file_id").asText()).isEqualTo(r.file());
        assertThat(citations.path(0).has("start_index")).isTrue();

        // The bytes as uploaded, from node B, which never had them on its disk before.
        HttpResponse<String> content = send(b.origin(), keyAlpha, "GET", "/v1/files/" + r.file() + "/content", null);
        assertThat(content.statusCode()).isEqualTo(200);
        assertThat(content.body()).contains("SAPPHIRE-OTTER-4417");
    }

    @Test
    @Order(2)
    void aFileUploadedThroughOneNodeIsIngestedByTheOther() throws Exception {
        String file = upload(b.origin(), keyAlpha, "The lighthouse keeper's word is AMBER-KESTREL-9001.");
        String store = createStore(a.origin(), keyAlpha);
        assertThat(attach(a.origin(), keyAlpha, store, file)).isEqualTo("completed");
        long t0 = System.nanoTime();
        // The ingesting node shows the file completed only once its own index has it.
        assertThat(search(a.origin(), keyAlpha, store, "lighthouse keeper word").path(0).path("file_id").asText()).isEqualTo(file);
        assertThat(awaitSearch(b.origin(), store, "lighthouse keeper word", h -> h.size() > 0).path(0).path("file_id").asText())
                .isEqualTo(file);
        System.out.printf("RAG propagation: a file completed on node A is found on node B after %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    @Order(2)
    void attributesUpdatedOnOneNodeFilterTheSearchOnTheOther() throws Exception {
        Ready r = ready(a.origin(), "COBALT-HERON-5150");
        String filtered = JSON.createObjectNode().put("query", "cobalt heron")
                .set("filters", JSON.createObjectNode().put("type", "eq").put("key", "team").put("value", "blue")).toString();
        HttpResponse<String> before = send(b.origin(), keyAlpha, "POST", "/v1/vector_stores/" + r.store() + "/search", filtered);
        assertThat(before.statusCode()).as(before.body()).isEqualTo(200);
        assertThat(JSON.readTree(before.body()).path("data").size()).as("no attributes yet: the filter matches nothing").isZero();

        HttpResponse<String> update = send(a.origin(), keyAlpha, "POST", "/v1/vector_stores/" + r.store() + "/files/" + r.file(),
                "{\"attributes\": {\"team\": \"blue\"}}");
        assertThat(update.statusCode()).as(update.body()).isEqualTo(200);
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (true) { // node B re-reads the file's chunks with the new attributes from the change log
            HttpResponse<String> after = send(b.origin(), keyAlpha, "POST", "/v1/vector_stores/" + r.store() + "/search", filtered);
            JsonNode hits = JSON.readTree(after.body()).path("data");
            if (hits.size() > 0) {
                assertThat(hits.path(0).path("file_id").asText()).isEqualTo(r.file());
                assertThat(hits.path(0).path("attributes").path("team").asText()).isEqualTo("blue");
                break;
            }
            assertThat(System.nanoTime()).as("node B never saw the new attributes: %s", after.body()).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    @Order(3)
    void anotherTeamGets404OnEveryEndpointOfTheOtherNode() throws Exception {
        Ready r = ready(a.origin(), "COBALT-MARMOT-7310");
        awaitSearch(b.origin(), r.store(), "cobalt marmot", h -> h.size() > 0);
        String o = b.origin();
        assertThat(send(o, keyBeta, "GET", "/v1/vector_stores/" + r.store(), null).statusCode()).isEqualTo(404);
        assertThat(send(o, keyBeta, "POST", "/v1/vector_stores/" + r.store() + "/search", "{\"query\":\"cobalt marmot\"}").statusCode())
                .isEqualTo(404);
        assertThat(send(o, keyBeta, "GET", "/v1/vector_stores/" + r.store() + "/files", null).statusCode()).isEqualTo(404);
        assertThat(send(o, keyBeta, "GET", "/v1/vector_stores/" + r.store() + "/files/" + r.file(), null).statusCode()).isEqualTo(404);
        assertThat(send(o, keyBeta, "POST", "/v1/vector_stores/" + r.store() + "/files", "{\"file_id\":\"" + r.file() + "\"}")
                .statusCode()).isEqualTo(404);
        assertThat(send(o, keyBeta, "GET", "/v1/files/" + r.file(), null).statusCode()).isEqualTo(404);
        assertThat(send(o, keyBeta, "GET", "/v1/files/" + r.file() + "/content", null).statusCode()).isEqualTo(404);
        assertThat(send(o, keyBeta, "DELETE", "/v1/files/" + r.file(), null).statusCode()).isEqualTo(404);
        assertThat(send(o, keyBeta, "DELETE", "/v1/vector_stores/" + r.store() + "/files/" + r.file(), null).statusCode())
                .isEqualTo(404);
        assertThat(send(o, keyBeta, "DELETE", "/v1/vector_stores/" + r.store(), null).statusCode()).isEqualTo(404);
        HttpResponse<String> chat = send(o, keyBeta, "POST", "/v1/chat/completions", """
                {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "cobalt marmot?"}],
                 "tools": [{"type": "file_search", "vector_store_ids": ["%s"]}]}""".formatted(r.store()));
        assertThat(chat.statusCode()).isEqualTo(404);
        // Still there for its owner, on both nodes.
        assertThat(search(o, keyAlpha, r.store(), "cobalt marmot")).isNotEmpty();
        assertThat(search(a.origin(), keyAlpha, r.store(), "cobalt marmot")).isNotEmpty();
    }

    @Test
    @Order(4)
    void deletingOnOneNodeLeavesNoTraceOnEitherNodeNorInTheDatabase() throws Exception {
        String canary = "CANARY-" + Long.toHexString(System.nanoTime()) + "-TRACE";
        Ready r = ready(a.origin(), canary);
        awaitSearch(b.origin(), r.store(), "vault combination " + canary, h -> h.size() > 0);
        // Node B holds the bytes too once it served them.
        assertThat(send(b.origin(), keyAlpha, "GET", "/v1/files/" + r.file() + "/content", null).body()).contains(canary);
        assertThat(folderContains(a, canary)).isTrue();
        assertThat(folderContains(b, canary)).isTrue();
        assertThat(databaseContains(canary)).isTrue();

        assertThat(send(a.origin(), keyAlpha, "DELETE", "/v1/files/" + r.file(), null).statusCode()).isEqualTo(200);
        long t0 = System.nanoTime();
        assertThat(search(a.origin(), keyAlpha, r.store(), "vault combination " + canary)).isEmpty();
        awaitSearch(b.origin(), r.store(), "vault combination " + canary, JsonNode::isEmpty);
        System.out.printf("RAG propagation: a file deleted on node A is gone from node B's search after %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        awaitTrue(() -> !folderContains(b, canary), "node B's data folder still holds the canary");
        assertThat(folderContains(a, canary)).as("node A's data folder").isFalse();
        assertThat(databaseContains(canary)).as("the database").isFalse();
        assertThat(send(b.origin(), keyAlpha, "GET", "/v1/files/" + r.file() + "/content", null).statusCode()).isEqualTo(404);

        // Deleting a store on B: gone from A's search and index too.
        String canary2 = "CANARY-" + Long.toHexString(System.nanoTime()) + "-STORE";
        Ready s = ready(b.origin(), canary2);
        awaitSearch(a.origin(), s.store(), "vault combination " + canary2, h -> h.size() > 0);
        assertThat(send(b.origin(), keyAlpha, "DELETE", "/v1/vector_stores/" + s.store(), null).statusCode()).isEqualTo(200);
        awaitTrue(() -> databaseChunks(s.store()) == 0, "chunks of the deleted store left in the database");
        awaitTrue(() -> !indexContains(a, canary2), "node A's index still holds the deleted store's chunks");
    }

    @Test
    @Order(5)
    void aNodeStartedLaterAndANodeBackWithAnOldFolderCatchUp() throws Exception {
        Ready r = ready(a.origin(), "VIOLET-BADGER-5150");
        Ready gone = ready(a.origin(), "CANARY-OLD-FOLDER-6262");
        awaitSearch(b.origin(), gone.store(), "vault combination CANARY-OLD-FOLDER-6262", h -> h.size() > 0);
        // A third node, with an empty data folder, starts after all of this and finds it.
        try (GatewayHarness c = GatewayHarness.start(yaml)) {
            assertThat(awaitSearch(c.origin(), r.store(), "violet badger", h -> h.size() > 0).path(0).path("file_id").asText())
                    .isEqualTo(r.file());
        }
        // Node B stops; meanwhile a file is deleted on A; B comes back with its old folder and applies it.
        Path folderB = b.dir().resolve("data");
        b.close();
        b = null;
        assertThat(send(a.origin(), keyAlpha, "DELETE", "/v1/files/" + gone.file(), null).statusCode()).isEqualTo(200);
        Gatehouse back = Gatehouse.start(new Gatehouse.Options(a.configFile(), "127.0.0.1", 0, folderB, false));
        try {
            String origin = "http://127.0.0.1:" + back.port();
            awaitSearch(origin, gone.store(), "vault combination CANARY-OLD-FOLDER-6262", JsonNode::isEmpty);
            awaitTrue(() -> !contains(folderB, "CANARY-OLD-FOLDER-6262"), "the restarted node kept the deleted file's text");
            assertThat(search(origin, keyAlpha, r.store(), "violet badger")).isNotEmpty();
        } finally {
            back.close();
        }
        b = GatewayHarness.start(yaml);
    }

    @Test
    @Order(6)
    void anIngestionInterruptedByAStopEndsFailedAndTheFileCanBeAttachedAgain() throws Exception {
        String file = upload(a.origin(), keyAlpha, "The night porter's phrase is GREY-HERON-3003.");
        String store = createStore(a.origin(), keyAlpha);
        upstream.headDelay(Duration.ofSeconds(40));
        int before = upstream.requestCount();
        try {
            HttpResponse<String> attached = send(a.origin(), keyAlpha, "POST", "/v1/vector_stores/" + store + "/files",
                    "{\"file_id\":\"" + file + "\"}");
            assertThat(attached.statusCode()).as(attached.body()).isEqualTo(200);
            assertThat(upstream.awaitRequests(before + 1, Duration.ofSeconds(20))).as("the embedding request was sent").isTrue();
            Path folderA = a.dir().resolve("data");
            a.close(); // node A stops during the ingestion
            a = null;
            JsonNode seen = fileInStore(b.origin(), store, file);
            assertThat(seen.path("status").asText()).isEqualTo("failed");
            assertThat(seen.path("last_error").path("message").asText()).contains("attach it again");
            // Node A comes back (same folder) and the file is attached again: it completes, both nodes find it.
            upstream.headDelay(Duration.ZERO);
            Gatehouse back = Gatehouse.start(new Gatehouse.Options(b.configFile(), "127.0.0.1", 0, folderA, false));
            try {
                String origin = "http://127.0.0.1:" + back.port();
                assertThat(attach(origin, keyAlpha, store, file)).isEqualTo("completed");
                awaitSearch(b.origin(), store, "night porter phrase", h -> h.size() > 0);
            } finally {
                back.close();
            }
        } finally {
            upstream.headDelay(Duration.ZERO);
        }
        a = GatewayHarness.start(yaml);
    }

    @Test
    @Order(7)
    void aDeadNodesIngestionsAreFailedWhenTheirLeaseRunsOutAndARestartedNodeFailsItsOwn() throws Exception {
        String file = upload(b.origin(), keyAlpha, "Nothing to see.");
        String dead = createStore(b.origin(), keyAlpha);
        String restarted = createStore(b.origin(), keyAlpha);
        long now = System.currentTimeMillis() / 1000;
        // As a node that died mid-ingestion leaves them: in progress, its lease run out (or not yet).
        sql("INSERT INTO rag_vector_store_files (vector_store_id, file_id, owner, created_at, status, chunking, attributes, usage_bytes,"
                + " claimed_by, claimed_until) SELECT '" + dead + "', id, owner, " + (now - 120) + ", 'in_progress', '{}', '{}', 0,"
                + " 'node-gone', " + (now - 30) + " FROM rag_files WHERE id = '" + file + "'");
        Path folderB = b.dir().resolve("data");
        String nodeB = Files.readString(folderB.resolve("rag").resolve("node-id")).strip();
        b.close();
        b = null;
        sql("INSERT INTO rag_vector_store_files (vector_store_id, file_id, owner, created_at, status, chunking, attributes, usage_bytes,"
                + " claimed_by, claimed_until) SELECT '" + restarted + "', id, owner, " + now + ", 'in_progress', '{}', '{}', 0,"
                + " '" + nodeB + "', " + (now + 3600) + " FROM rag_files WHERE id = '" + file + "'");
        Gatehouse back = Gatehouse.start(new Gatehouse.Options(a.configFile(), "127.0.0.1", 0, folderB, false));
        try {
            // The restarted node failed its own at start; either node fails the dead node's within a sweep (10 s).
            assertThat(fileInStore(a.origin(), restarted, file).path("status").asText()).isEqualTo("failed");
            awaitTrue(() -> fileInStore(a.origin(), dead, file).path("status").asText().equals("failed"), "the dead node's file");
        } finally {
            back.close();
        }
        b = GatewayHarness.start(yaml);
    }

    // ---- helpers

    record Ready(String store, String file) {}

    /** A Markdown file with the canary, in a new store of team alpha, ingested through {@code origin}. */
    private Ready ready(String origin, String canary) throws Exception {
        String file = upload(origin, keyAlpha, "# Notes\n\nThe vault combination is " + canary + ".\n\nNothing else here.\n",
                "notes-" + canary + ".md");
        String store = createStore(origin, keyAlpha);
        assertThat(attach(origin, keyAlpha, store, file)).isEqualTo("completed");
        return new Ready(store, file);
    }

    private String upload(String origin, String key, String text) throws IOException {
        return upload(origin, key, text, "upload-" + System.nanoTime() + ".txt");
    }

    private String upload(String origin, String key, String text, String name) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, text);
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(origin + "/v1").apiKey(key).timeout(Duration.ofSeconds(20))
                .maxRetries(0).build();
        return client.files().create(FileCreateParams.builder().file(f).purpose(FilePurpose.ASSISTANTS).build()).id();
    }

    private String createStore(String origin, String key) throws IOException {
        HttpResponse<String> r = send(origin, key, "POST", "/v1/vector_stores", "{\"name\":\"shared\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("id").asText();
    }

    /** Attaches and waits for the outcome; returns the status. */
    private String attach(String origin, String key, String store, String file) throws Exception {
        HttpResponse<String> r = send(origin, key, "POST", "/v1/vector_stores/" + store + "/files", "{\"file_id\":\"" + file + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode f = fileInStore(origin, store, file);
            if (!f.path("status").asText().equals("in_progress") || System.nanoTime() > deadline) {
                return f.path("status").asText() + (f.path("last_error").isObject() ? " " + f.path("last_error") : "");
            }
            Thread.sleep(50);
        }
    }

    private JsonNode fileInStore(String origin, String store, String file) throws IOException {
        return JSON.readTree(send(origin, keyAlpha, "GET", "/v1/vector_stores/" + store + "/files/" + file, null).body());
    }

    private JsonNode search(String origin, String key, String store, String query) throws IOException {
        HttpResponse<String> r = send(origin, key, "POST", "/v1/vector_stores/" + store + "/search",
                JSON.createObjectNode().put("query", query).toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("data");
    }

    /** Searches as alpha until the hits pass {@code until} (another node's change arrives within the poll). */
    private JsonNode awaitSearch(String origin, String store, String query, Predicate<JsonNode> until) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (true) {
            JsonNode hits = search(origin, keyAlpha, store, query);
            if (until.test(hits)) {
                return hits;
            }
            assertThat(System.nanoTime()).as("search on %s did not converge: %s", origin, hits).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void awaitTrue(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos() + Duration.ofSeconds(15).toNanos();
        while (!check.ok()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private HttpResponse<String> send(String origin, String key, String method, String path, String body) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(origin + path)).header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            r.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean folderContains(GatewayHarness node, String canary) throws IOException {
        return contains(node.dir().resolve("data"), canary);
    }

    /** Whether any file under {@code folder} holds the canary's bytes. */
    static boolean contains(Path folder, String canary) throws IOException {
        byte[] needle = canary.getBytes(StandardCharsets.UTF_8);
        // A live index writes and deletes files (pending_segments_N) while this walks: a file gone
        // between listing and reading is skipped, where Files.walk would throw.
        List<Path> files = new java.util.ArrayList<>();
        Files.walkFileTree(folder, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    files.add(file);
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                return java.nio.file.FileVisitResult.CONTINUE; // deleted while walking
            }
        });
        for (Path p : files) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(p);
            } catch (IOException e) {
                continue; // deleted while walking
            }
            if (RagSdkTest.indexOf(bytes, needle) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Whether node A's index (its files under rag/index) holds the text. */
    private static boolean indexContains(GatewayHarness node, String canary) throws IOException {
        return contains(node.dir().resolve("data").resolve("rag").resolve("index"), canary);
    }

    /** Every row of every table in the schema, as text (bytes as hex too), searched for the canary. */
    private boolean databaseContains(String canary) throws Exception {
        String hex = HexFormat.of().formatHex(canary.getBytes(StandardCharsets.UTF_8));
        try (Connection c = DriverManager.getConnection(pg.url()); Statement st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            assertThat(tables).contains("rag_chunks", "rag_file_parts");
            for (String table : tables) {
                try (ResultSet rs = st.executeQuery("SELECT t::text FROM \"" + table + "\" t")) {
                    while (rs.next()) {
                        String row = rs.getString(1);
                        if (row != null && (row.contains(canary) || row.contains(hex))) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private int databaseChunks(String store) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.url()); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM rag_chunks WHERE vector_store_id = '" + store + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private void sql(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.url()); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate(statement)).isEqualTo(1);
        }
    }
}
