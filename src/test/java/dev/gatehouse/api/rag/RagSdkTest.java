package dev.gatehouse.api.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.NotFoundException;
import com.openai.models.ComparisonFilter;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.vectorstores.StaticFileChunkingStrategy;
import com.openai.models.vectorstores.VectorStore;
import com.openai.models.vectorstores.VectorStoreCreateParams;
import com.openai.models.vectorstores.VectorStoreSearchParams;
import com.openai.models.vectorstores.VectorStoreSearchResponse;
import com.openai.models.vectorstores.filebatches.FileBatchCreateParams;
import com.openai.models.vectorstores.filebatches.VectorStoreFileBatch;
import com.openai.models.vectorstores.files.VectorStoreFile;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.GatewayHarness;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Knowledge bases through the official openai-java SDK against a running gateway: a team uploads a
 * PDF and a DOCX, attaches them to a vector store, searches it (with attribute filters), gets
 * answers from a Claude-format and a Gemini-format model through {@code file_search}, and deleting
 * the file leaves it neither in search nor in the data folder. Another team gets 404 everywhere.
 */
class RagSdkTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static FakeAnthropic anthropic;
    static FakeGemini gemini;
    static GatewayHarness gateway;
    static String keyA;
    static String keyB;
    static String teamA;
    static OpenAIClient alpha;
    static OpenAIClient beta;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        anthropic = FakeAnthropic.start();
        gemini = FakeGemini.start();
        gateway = GatewayHarness.start("""
                providers:
                  claude: {kind: anthropic, base-url: "%s", api-key: %s}
                  google: {kind: gemini, base-url: "%s", api-key: %s}
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 12, embedding-dimensions: 1536}}
                routing:
                  retries: {same-target: 0}
                models:
                  claude-sonnet:
                    targets: [{provider: claude, model: claude-sonnet-4-5}]
                  gemini-flash:
                    targets: [{provider: google, model: gemini-2.5-flash}]
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  text-embedding-3-small:
                    type: embedding
                    targets: [{provider: mock}]
                rag:
                  max-file-size: 300KB
                request-log:
                  flush-interval: 50ms
                """.formatted(anthropic.baseUrl(), FakeAnthropic.DEFAULT_KEY, gemini.baseUrl(), FakeGemini.DEFAULT_KEY));
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        teamA = master.ok("POST", "/teams", "{\"name\":\"alpha\"}").text("id");
        keyA = key(master, teamA, "alpha-bot");
        keyB = key(master, master.ok("POST", "/teams", "{\"name\":\"beta\"}").text("id"), "beta-bot");
        alpha = client(keyA);
        beta = client(keyB);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        anthropic.close();
        gemini.close();
    }

    static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(key).timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    }

    static String key(AdminClient master, String team, String name) {
        String svc = master.ok("POST", "/service-accounts", "{\"name\":\"" + name + "\",\"team_id\":\"" + team + "\"}").text("id");
        return master.ok("POST", "/keys", "{\"owner_id\":\"" + svc + "\"}").text("key");
    }

    static HttpResponse<String> send(String key, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.origin() + path)).header("Authorization", "Bearer " + key);
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return gateway.send(b);
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    /** A two-page PDF: the canary sentence on page 2. */
    static Path pdf(String name, String page1, String page2) throws IOException {
        Path file = tmp.resolve(name);
        try (PDDocument doc = new PDDocument()) {
            for (String text : List.of(page1, page2)) {
                PDPage page = new PDPage();
                doc.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(doc, page)) {
                    content.beginText();
                    content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 11);
                    content.newLineAtOffset(50, 700);
                    content.showText(text);
                    content.endText();
                }
            }
            doc.save(file.toFile());
        }
        return file;
    }

    static Path docx(String name, String text) throws IOException {
        Path file = tmp.resolve(name);
        try (XWPFDocument doc = new XWPFDocument(); var out = Files.newOutputStream(file)) {
            doc.createParagraph().createRun().setText(text);
            doc.write(out);
        }
        return file;
    }

    static FileObject upload(OpenAIClient client, Path file) {
        return client.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.ASSISTANTS).build());
    }

    /** Waits for an attached file to leave in_progress. */
    static VectorStoreFile settled(OpenAIClient client, String store, String file) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            VectorStoreFile f = client.vectorStores().files().retrieve(file,
                    com.openai.models.vectorstores.files.FileRetrieveParams.builder().vectorStoreId(store).build());
            if (!f.status().asString().equals("in_progress") || System.nanoTime() > deadline) {
                return f;
            }
            Thread.sleep(50);
        }
    }

    static List<VectorStoreSearchResponse> search(OpenAIClient client, String store, String query) {
        return client.vectorStores().search(VectorStoreSearchParams.builder().vectorStoreId(store).query(query).build()).data();
    }

    /** The ids of a store with one PDF (canary on page 2) ready to search. */
    record Ready(String store, String file) {}

    static Ready ready(String canary) throws Exception {
        Path pdf = pdf("handbook-" + canary + ".pdf", "Chapter one is about the garden and its tomatoes.",
                "The secret zebrafish code is " + canary + " and it opens the greenhouse.");
        FileObject file = upload(alpha, pdf);
        VectorStore store = alpha.vectorStores().create(VectorStoreCreateParams.builder().name("handbook").build());
        alpha.vectorStores().files().create(com.openai.models.vectorstores.files.FileCreateParams.builder().vectorStoreId(store.id())
                .fileId(file.id()).build());
        VectorStoreFile settled = settled(alpha, store.id(), file.id());
        assertThat(settled.status().asString()).as("ingestion (last_error: %s)", settled.lastError()).isEqualTo("completed");
        return new Ready(store.id(), file.id());
    }

    @Test
    void uploadsAttachesSearchesAndDeletesWithTheSdk() throws Exception {
        Path pdf = pdf("handbook.pdf", "Chapter one is about the garden and its tomatoes.",
                "The secret zebrafish code is PURPLE-OCELOT-4711 and it opens the greenhouse.");
        FileObject file = upload(alpha, pdf);
        assertThat(file.id()).startsWith("file-");
        assertThat(file.filename()).isEqualTo("handbook.pdf");
        assertThat(file.bytes()).isEqualTo(Files.size(pdf));
        assertThat(alpha.files().retrieve(file.id()).filename()).isEqualTo("handbook.pdf");
        assertThat(alpha.files().list().data()).extracting(FileObject::id).contains(file.id());
        byte[] content = alpha.files().content(file.id()).body().readAllBytes();
        assertThat(content).isEqualTo(Files.readAllBytes(pdf));

        VectorStore store = alpha.vectorStores().create(VectorStoreCreateParams.builder().name("handbook").build());
        assertThat(store.id()).startsWith("vs_");
        VectorStoreFile attached = alpha.vectorStores().files().create(com.openai.models.vectorstores.files.FileCreateParams.builder()
                .vectorStoreId(store.id()).fileId(file.id())
                .attributes(com.openai.models.vectorstores.files.FileCreateParams.Attributes.builder()
                        .putAdditionalProperty("department", JsonValue.from("facilities")).build())
                .staticChunkingStrategy(StaticFileChunkingStrategy.builder().maxChunkSizeTokens(100).chunkOverlapTokens(20).build())
                .build());
        assertThat(attached.status().asString()).isIn("in_progress", "completed");
        VectorStoreFile done = settled(alpha, store.id(), file.id());
        assertThat(done.status().asString()).isEqualTo("completed");
        assertThat(done.usageBytes()).isPositive();
        assertThat(alpha.vectorStores().retrieve(store.id()).fileCounts().completed()).isEqualTo(1);

        List<VectorStoreSearchResponse> hits = search(alpha, store.id(), "zebrafish code");
        assertThat(hits).isNotEmpty();
        assertThat(hits.getFirst().fileId()).isEqualTo(file.id());
        assertThat(hits.getFirst().filename()).isEqualTo("handbook.pdf");
        assertThat(hits.getFirst().content().getFirst().text()).contains("PURPLE-OCELOT-4711");
        assertThat(hits.getFirst().score()).isBetween(0.0, 1.0);

        // Deleting the file removes it from search at once, and its bytes from the data folder.
        assertThat(alpha.files().delete(file.id()).deleted()).isTrue();
        assertThat(search(alpha, store.id(), "zebrafish code PURPLE-OCELOT-4711")).isEmpty();
        assertThatThrownBy(() -> alpha.files().retrieve(file.id())).isInstanceOf(NotFoundException.class);
        assertThat(alpha.vectorStores().retrieve(store.id()).fileCounts().total()).isZero();
    }

    @Test
    void aDeletedTextFileLeavesNoCanaryInTheDataFolder() throws Exception {
        String canary = "CANARY-" + Long.toHexString(System.nanoTime()) + "-TRACE";
        Path text = tmp.resolve("notes.md");
        Files.writeString(text, "# Notes\n\nThe vault combination is " + canary + ".\n\nNothing else here.\n");
        FileObject file = upload(alpha, text);
        VectorStore store = alpha.vectorStores().create(VectorStoreCreateParams.builder().name("notes").build());
        alpha.vectorStores().files().create(com.openai.models.vectorstores.files.FileCreateParams.builder().vectorStoreId(store.id())
                .fileId(file.id()).build());
        assertThat(settled(alpha, store.id(), file.id()).status().asString()).isEqualTo("completed");
        assertThat(search(alpha, store.id(), "vault combination")).isNotEmpty();
        assertThat(dataFolderContains(canary)).as("the canary is on disk while the file exists").isTrue();

        alpha.files().delete(file.id());
        assertThat(search(alpha, store.id(), "vault combination " + canary)).isEmpty();
        assertThat(dataFolderContains(canary)).as("no trace of the deleted file").isFalse();
    }

    static boolean dataFolderContains(String canary) throws IOException {
        byte[] needle = canary.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(gateway.dir().resolve("data"))) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(p);
                } catch (IOException e) {
                    continue; // deleted while walking
                }
                if (indexOf(bytes, needle) >= 0) {
                    return true;
                }
            }
        }
        return false;
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void batchesAttributesAndFilters() throws Exception {
        FileObject en = upload(alpha, docx("guide-en.docx", "The river otter guide explains otter habitats in English."));
        FileObject de = upload(alpha, docx("guide-de.docx", "The river otter guide explains otter habitats in German."));
        VectorStore store = alpha.vectorStores().create(VectorStoreCreateParams.builder().name("guides").build());
        String body = """
                {"files": [
                  {"file_id": "%s", "attributes": {"lang": "en", "year": 2024, "public": true}},
                  {"file_id": "%s", "attributes": {"lang": "de", "year": 2020, "public": false}}]}
                """.formatted(en.id(), de.id());
        HttpResponse<String> created = send(keyA, "POST", "/v1/vector_stores/" + store.id() + "/file_batches", body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String batchId = json(created).path("id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        VectorStoreFileBatch batch;
        do {
            Thread.sleep(50);
            batch = alpha.vectorStores().fileBatches().retrieve(batchId,
                    com.openai.models.vectorstores.filebatches.FileBatchRetrieveParams.builder().vectorStoreId(store.id()).build());
        } while (batch.status().asString().equals("in_progress") && System.nanoTime() < deadline);
        assertThat(batch.status().asString()).isEqualTo("completed");
        assertThat(batch.fileCounts().completed()).isEqualTo(2);

        assertThat(search(alpha, store.id(), "otter habitats")).extracting(VectorStoreSearchResponse::fileId)
                .containsExactlyInAnyOrder(en.id(), de.id());
        List<VectorStoreSearchResponse> german = alpha.vectorStores().search(VectorStoreSearchParams.builder().vectorStoreId(store.id())
                .query("otter habitats").filters(ComparisonFilter.builder().key("lang").type(ComparisonFilter.Type.EQ)
                        .value("de").build()).build()).data();
        assertThat(german).extracting(VectorStoreSearchResponse::fileId).containsExactly(de.id());
        assertThat(german.getFirst().attributes().get()._additionalProperties().get("lang").toString()).contains("de");

        // Compound and numeric filters, inside the search.
        String filtered = """
                {"query": "otter habitats", "filters": {"type": "or", "filters": [
                  {"type": "gte", "key": "year", "value": 2023},
                  {"type": "eq", "key": "public", "value": false}]}}
                """;
        assertThat(json(send(keyA, "POST", "/v1/vector_stores/" + store.id() + "/search", filtered)).path("data")).hasSize(2);
        String none = """
                {"query": "otter habitats", "filters": {"type": "and", "filters": [
                  {"type": "gte", "key": "year", "value": 2023},
                  {"type": "eq", "key": "public", "value": false}]}}
                """;
        assertThat(json(send(keyA, "POST", "/v1/vector_stores/" + store.id() + "/search", none)).path("data")).isEmpty();
        String threshold = """
                {"query": "otter habitats", "ranking_options": {"score_threshold": 1.0}, "max_num_results": 1}
                """;
        assertThat(json(send(keyA, "POST", "/v1/vector_stores/" + store.id() + "/search", threshold)).path("data").size())
                .isLessThanOrEqualTo(1);

        // Detaching one file removes it from this store's search.
        alpha.vectorStores().files().delete(de.id(),
                com.openai.models.vectorstores.files.FileDeleteParams.builder().vectorStoreId(store.id()).build());
        assertThat(search(alpha, store.id(), "otter habitats")).extracting(VectorStoreSearchResponse::fileId).containsExactly(en.id());

        // Deleting the store: gone for search too.
        assertThat(alpha.vectorStores().delete(store.id()).deleted()).isTrue();
        assertThat(send(keyA, "POST", "/v1/vector_stores/" + store.id() + "/search", "{\"query\":\"otter\"}").statusCode())
                .isEqualTo(404);
    }

    @Test
    void fileSearchAnswersFromClaudeAndGeminiFormatModels() throws Exception {
        Ready r = ready("BLUE-HERON-2231");
        anthropic.answer("The code is BLUE-HERON-2231 [1].");
        String chat = """
                {"model": "%s", "messages": [{"role": "user", "content": "What is the secret zebrafish code?"}],
                 "tools": [{"type": "file_search", "vector_store_ids": ["%s"], "max_num_results": 3}]}
                """;
        HttpResponse<String> claude = send(keyA, "POST", "/v1/chat/completions", chat.formatted("claude-sonnet", r.store()));
        assertThat(claude.statusCode()).as(claude.body()).isEqualTo(200);
        JsonNode answer = json(claude);
        assertThat(answer.path("choices").path(0).path("message").path("content").asText()).contains("BLUE-HERON-2231");
        JsonNode citations = answer.path("gatehouse_file_search").path("results");
        assertThat(citations).isNotEmpty();
        assertThat(citations.path(0).path("file_id").asText()).isEqualTo(r.file());
        // The page the code is on is among the citations (the mock's embeddings carry no meaning, so its rank varies).
        assertThat(citations.findValuesAsText("page")).contains("2");
        // The model got the excerpt, in its own format (Anthropic's system), and no file_search tool.
        JsonNode sent = anthropic.lastRequest().json();
        assertThat(sent.path("system").toString()).contains("BLUE-HERON-2231");
        assertThat(sent.has("tools")).isFalse();

        gemini.answer("It is BLUE-HERON-2231 [1].");
        HttpResponse<String> google = send(keyA, "POST", "/v1/chat/completions", chat.formatted("gemini-flash", r.store()));
        assertThat(google.statusCode()).as(google.body()).isEqualTo(200);
        assertThat(json(google).path("gatehouse_file_search").path("results").path(0).path("file_id").asText()).isEqualTo(r.file());
        assertThat(gemini.lastRequest().json().toString()).contains("BLUE-HERON-2231");

        // The Responses API: a file_search_call item, and file_citation annotations where the model cites.
        HttpResponse<String> responses = send(keyA, "POST", "/v1/responses", """
                {"model": "claude-sonnet", "input": "What is the secret zebrafish code?", "instructions": "Be brief.",
                 "tools": [{"type": "file_search", "vector_store_ids": ["%s"]}]}""".formatted(r.store()));
        assertThat(responses.statusCode()).as(responses.body()).isEqualTo(200);
        JsonNode output = json(responses).path("output");
        assertThat(output.path(0).path("type").asText()).isEqualTo("file_search_call");
        assertThat(output.path(0).path("queries").path(0).asText()).isEqualTo("What is the secret zebrafish code?");
        JsonNode text = output.path(1).path("content").path(0);
        assertThat(text.path("text").asText()).isEqualTo("The code is BLUE-HERON-2231 [1].");
        JsonNode annotation = text.path("annotations").path(0);
        assertThat(annotation.path("type").asText()).isEqualTo("file_citation");
        assertThat(annotation.path("file_id").asText()).isEqualTo(r.file());
        assertThat(annotation.path("index").asInt()).isEqualTo("The code is BLUE-HERON-2231 ".length());
        assertThat(anthropic.lastRequest().json().path("system").toString()).contains("Be brief.").contains("BLUE-HERON-2231");

        // Streamed: citations first as an SSE comment, then the model's stream.
        HttpResponse<String> streamed = send(keyA, "POST", "/v1/chat/completions",
                chat.formatted("gpt-4o-mini", r.store()).replaceFirst("\\{", "{\"stream\": true, "));
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.body()).startsWith(": gatehouse-file-search {").contains(r.file()).contains("data: [DONE]");
    }

    @Test
    void embeddingsForIngestionAndSearchAreChargedToTheTeamInTheRequestLog() throws Exception {
        Ready r = ready("AMBER-WREN-3141");
        search(alpha, r.store(), "zebrafish code");
        var store = gateway.gatehouse().requestLogging().store();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        List<dev.gatehouse.usage.RequestRecord> embeddings;
        do {
            Thread.sleep(100);
            embeddings = store.list(java.util.Map.of(), 0, Long.MAX_VALUE, null, 1000).stream()
                    .filter(rec -> "text-embedding-3-small".equals(rec.requestedModel()) && teamA.equals(rec.teamId())).toList();
        } while (embeddings.size() < 2 && System.nanoTime() < deadline);
        assertThat(embeddings).as("the file's chunks and the query, embedded as alpha's key").hasSizeGreaterThanOrEqualTo(2);
        assertThat(embeddings).allSatisfy(rec -> {
            assertThat(rec.status()).isEqualTo(200);
            assertThat(rec.inputTokens()).isPositive();
        });
    }

    @Test
    void anotherTeamGets404OnEveryEndpoint() throws Exception {
        Ready r = ready("GREEN-LYNX-9090");
        String vs = "/v1/vector_stores/" + r.store();
        assertThatThrownBy(() -> beta.files().retrieve(r.file())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> beta.files().delete(r.file())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> beta.vectorStores().retrieve(r.store())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> search(beta, r.store(), "zebrafish")).isInstanceOf(NotFoundException.class);
        assertThat(beta.files().list().data()).extracting(FileObject::id).doesNotContain(r.file());
        assertThat(beta.vectorStores().list().data()).extracting(VectorStore::id).doesNotContain(r.store());
        for (String[] call : new String[][] {
                {"GET", "/v1/files/" + r.file() + "/content", null},
                {"POST", vs, "{\"name\":\"mine now\"}"},
                {"DELETE", vs, null},
                {"GET", vs + "/files", null},
                {"GET", vs + "/files/" + r.file(), null},
                {"DELETE", vs + "/files/" + r.file(), null},
                {"POST", vs + "/files", "{\"file_id\":\"" + r.file() + "\"}"},
                {"POST", vs + "/file_batches", "{\"file_ids\":[\"" + r.file() + "\"]}"},
                {"POST", vs + "/search", "{\"query\":\"zebrafish\"}"}}) {
            HttpResponse<String> reply = send(keyB, call[0], call[1], call[2]);
            assertThat(reply.statusCode()).as(call[0] + " " + call[1] + ": " + reply.body()).isEqualTo(404);
            assertThat(json(reply).path("error").path("type").asText()).isEqualTo("not_found_error");
            assertThat(reply.body()).doesNotContain("zebrafish code");
        }
        // Beta's own store cannot take alpha's file either.
        VectorStore betaStore = beta.vectorStores().create(VectorStoreCreateParams.builder().name("beta").build());
        HttpResponse<String> attach = send(keyB, "POST", "/v1/vector_stores/" + betaStore.id() + "/files",
                "{\"file_id\":\"" + r.file() + "\"}");
        assertThat(attach.statusCode()).isEqualTo(404);
        assertThat(json(attach).path("error").path("param").asText()).isEqualTo("file_id");
        // file_search with another team's store, or a made-up one: 404, nothing searched, no model called.
        int before = anthropic.requests().size();
        for (String id : List.of(r.store(), "vs_madeup")) {
            HttpResponse<String> chat = send(keyB, "POST", "/v1/chat/completions", """
                    {"model": "claude-sonnet", "messages": [{"role": "user", "content": "zebrafish code?"}],
                     "tools": [{"type": "file_search", "vector_store_ids": ["%s"]}]}""".formatted(id));
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(404);
            assertThat(json(chat).path("error").path("param").asText()).isEqualTo("tools[0].vector_store_ids");
        }
        assertThat(anthropic.requests()).hasSize(before);
        // And the owner still has everything.
        assertThat(search(alpha, r.store(), "zebrafish code")).isNotEmpty();
    }

    @Test
    void badInputIsA4xxNamingTheField() throws Exception {
        Ready r = ready("RED-KOI-5150");
        String vs = "/v1/vector_stores/" + r.store();
        record Case(String method, String path, String body, int status, String param) {}
        for (Case c : List.of(
                new Case("POST", "/v1/vector_stores", "{\"expires_after\": {\"anchor\": \"created_at\", \"days\": 3}}", 400,
                        "expires_after.anchor"),
                new Case("POST", "/v1/vector_stores", "{\"metadata\": {\"k\": 5}}", 400, "metadata.k"),
                new Case("POST", "/v1/vector_stores", "[1]", 400, null),
                new Case("POST", vs + "/files", "{}", 400, "file_id"),
                new Case("POST", vs + "/files", "{\"file_id\": \"" + r.file() + "\", \"chunking_strategy\": {\"type\": \"static\","
                        + " \"static\": {\"max_chunk_size_tokens\": 50, \"chunk_overlap_tokens\": 0}}}", 400,
                        "chunking_strategy.static.max_chunk_size_tokens"),
                new Case("POST", vs + "/files", "{\"file_id\": \"" + r.file() + "\", \"chunking_strategy\": {\"type\": \"static\","
                        + " \"static\": {\"max_chunk_size_tokens\": 200, \"chunk_overlap_tokens\": 150}}}", 400,
                        "chunking_strategy.static.chunk_overlap_tokens"),
                new Case("POST", vs + "/files", "{\"file_id\": \"" + r.file() + "\", \"attributes\": {\"a\": [1]}}", 400, "attributes.a"),
                new Case("POST", vs + "/files", "{\"file_id\": \"file-000000000000000000000000\"}", 404, "file_id"),
                new Case("POST", vs + "/search", "{}", 400, "query"),
                new Case("POST", vs + "/search", "{\"query\": \"x\", \"max_num_results\": 0}", 400, "max_num_results"),
                new Case("POST", vs + "/search", "{\"query\": \"x\", \"filters\": {\"type\": \"like\", \"key\": \"a\", \"value\": 1}}",
                        400, "filters.type"),
                new Case("POST", vs + "/search", "{\"query\": \"x\", \"filters\": {\"type\": \"and\", \"filters\": [{\"type\": \"gt\","
                        + " \"key\": \"a\", \"value\": true}]}}", 400, "filters.filters[0].value"),
                new Case("POST", vs + "/search", "{\"query\": \"x\", \"ranking_options\": {\"score_threshold\": 2}}", 400,
                        "ranking_options.score_threshold"),
                new Case("GET", "/v1/files?limit=0", null, 400, "limit"),
                new Case("POST", "/v1/chat/completions", "{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\": \"user\", \"content\":"
                        + " \"hi\"}], \"tools\": [{\"type\": \"file_search\"}]}", 400, "tools[0].vector_store_ids"))) {
            HttpResponse<String> reply = send(keyA, c.method(), c.path(), c.body());
            assertThat(reply.statusCode()).as(c + ": " + reply.body()).isEqualTo(c.status());
            JsonNode error = json(reply).path("error");
            assertThat(error.path("message").asText()).isNotBlank();
            if (c.param() != null) {
                assertThat(error.path("param").asText()).as(c.toString()).isEqualTo(c.param());
            }
        }
    }

    @Test
    void uploadsAreCheckedBeforeTheyAreStored() throws Exception {
        // No purpose, a bad purpose, not multipart, too large: clear errors, nothing stored.
        HttpResponse<String> noPurpose = multipart(keyA, "a.txt", "hello".getBytes(StandardCharsets.UTF_8), null);
        assertThat(noPurpose.statusCode()).isEqualTo(400);
        assertThat(json(noPurpose).path("error").path("param").asText()).isEqualTo("purpose");
        HttpResponse<String> badPurpose = multipart(keyA, "a.txt", "hello".getBytes(StandardCharsets.UTF_8), "training");
        assertThat(badPurpose.statusCode()).isEqualTo(400);
        assertThat(json(badPurpose).path("error").path("message").asText()).contains("assistants");
        HttpResponse<String> json = send(keyA, "POST", "/v1/files", "{\"purpose\": \"assistants\"}");
        assertThat(json.statusCode()).isEqualTo(415);
        HttpResponse<String> large = multipart(keyA, "big.txt", new byte[400 * 1024], "assistants");
        assertThat(large.statusCode()).isEqualTo(413);
        assertThat(json(large).path("error").path("param").asText()).isEqualTo("file");
        HttpResponse<String> anonymous = multipart("not-a-key", "a.txt", "hello".getBytes(StandardCharsets.UTF_8), "assistants");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        try (Stream<Path> left = Files.list(gateway.dir().resolve("data/rag/uploads"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aFileThatCannotBeReadFailsItsIngestionWithAReason() throws Exception {
        byte[] binary = new byte[2048];
        new java.util.Random(7).nextBytes(binary);
        binary[10] = 0;
        Path file = tmp.resolve("image.bin");
        Files.write(file, binary);
        FileObject uploaded = upload(alpha, file);
        VectorStore store = alpha.vectorStores().create(VectorStoreCreateParams.builder().name("bad").build());
        alpha.vectorStores().files().create(com.openai.models.vectorstores.files.FileCreateParams.builder().vectorStoreId(store.id())
                .fileId(uploaded.id()).build());
        VectorStoreFile f = settled(alpha, store.id(), uploaded.id());
        assertThat(f.status().asString()).isEqualTo("failed");
        assertThat(f.lastError()).isPresent();
        assertThat(f.lastError().get().code().asString()).isEqualTo("unsupported_file");
        assertThat(alpha.vectorStores().retrieve(store.id()).fileCounts().failed()).isEqualTo(1);

        // A PDF named .txt is still read as a PDF: the type comes from the content.
        Path disguised = tmp.resolve("disguised.txt");
        Files.copy(pdf("real.pdf", "Plain first page.", "The heron nests by the mill pond."), disguised);
        FileObject pdfAsTxt = upload(alpha, disguised);
        alpha.vectorStores().files().create(com.openai.models.vectorstores.files.FileCreateParams.builder().vectorStoreId(store.id())
                .fileId(pdfAsTxt.id()).build());
        assertThat(settled(alpha, store.id(), pdfAsTxt.id()).status().asString()).isEqualTo("completed");
        assertThat(search(alpha, store.id(), "heron nests")).extracting(VectorStoreSearchResponse::fileId).contains(pdfAsTxt.id());
    }

    static HttpResponse<String> multipart(String key, String filename, byte[] content, String purpose) throws IOException {
        return send(gateway, key, filename, content, purpose);
    }

    /** A multipart upload to {@code /v1/files} of {@code gateway}. */
    static HttpResponse<String> send(GatewayHarness gateway, String key, String filename, byte[] content, String purpose)
            throws IOException {
        return send(gateway.origin(), key, filename, content, purpose);
    }

    static HttpResponse<String> send(String origin, String key, String filename, byte[] content, String purpose) throws IOException {
        String boundary = "gatehouse-test-boundary";
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        if (purpose != null) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n" + purpose + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        try {
            return java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(origin + "/v1/files"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
