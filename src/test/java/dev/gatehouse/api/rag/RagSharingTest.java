package dev.gatehouse.api.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.models.files.FileObject;
import com.openai.models.vectorstores.VectorStore;
import com.openai.models.vectorstores.VectorStoreCreateParams;
import com.openai.models.vectorstores.VectorStoreListParams;
import com.openai.models.vectorstores.VectorStoreSearchParams;
import com.openai.models.vectorstores.VectorStoreSearchResponse;
import com.openai.models.vectorstores.VectorStoreUpdateParams;
import com.openai.models.vectorstores.files.FileContentParams;
import com.openai.models.vectorstores.files.FileContentResponse;
import com.openai.models.vectorstores.files.FileCreateParams;
import com.openai.models.vectorstores.files.FileRetrieveParams;
import com.openai.models.vectorstores.files.FileUpdateParams;
import com.openai.models.vectorstores.files.VectorStoreFile;
import com.openai.models.ComparisonFilter;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.GatewayHarness;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sharing a vector store through access policies ({@code vector_stores}), deny by default, and the
 * two file endpoints (content, update attributes), through the official openai-java SDK: alpha owns
 * a store; beta gets it shared read-only by a policy of alpha's team; gamma's own policy naming the
 * store grants nothing until an organisation-wide policy shares it. Every endpoint is tried as the
 * owner, as a team it is shared with, and as a team it is not.
 */
class RagSharingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static GatewayHarness gateway;
    static AdminClient master;
    static String teamA;
    static String teamB;
    static String teamC;
    static String keyA;
    static String keyB;
    static String keyC;
    static OpenAIClient alpha;
    static OpenAIClient beta;
    static OpenAIClient gamma;
    static String store;
    static String file;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayHarness.start("""
                providers:
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 12}}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  text-embedding-3-small:
                    type: embedding
                    targets: [{provider: mock}]
                """);
        master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        teamA = master.ok("POST", "/teams", "{\"name\":\"alpha\"}").text("id");
        teamB = master.ok("POST", "/teams", "{\"name\":\"beta\"}").text("id");
        teamC = master.ok("POST", "/teams", "{\"name\":\"gamma\"}").text("id");
        keyA = key(teamA, "alpha-bot");
        keyB = key(teamB, "beta-bot");
        keyC = key(teamC, "gamma-bot");
        alpha = client(keyA);
        beta = client(keyB);
        gamma = client(keyC);
        String uploaded = RagSdkTest.send(gateway.origin(), keyA, "handbook.txt", ("The greenhouse is opened at dawn by the keeper."
                + " The secret lantern code is SILVER-MOTH-5150.").getBytes(StandardCharsets.UTF_8), "assistants").body();
        file = JSON.readTree(uploaded).path("id").asText();
        store = alpha.vectorStores().create(VectorStoreCreateParams.builder().name("handbook").build()).id();
        alpha.vectorStores().files().create(FileCreateParams.builder().vectorStoreId(store).fileId(file)
                .attributes(FileCreateParams.Attributes.builder().putAdditionalProperty("department", JsonValue.from("facilities"))
                        .build()).build());
        assertThat(settled(alpha, store, file).status().asString()).isEqualTo("completed");
        // alpha's team shares the store with team beta (an organisation admin attaches it across teams).
        String share = master.ok("POST", "/policies", "{\"name\":\"share-handbook\",\"team_id\":\"" + teamA
                + "\",\"vector_stores\":[\"" + store + "\"]}").text("id");
        master.ok("POST", "/policies/" + share + "/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"" + teamB + "\"}");
        // gamma's own policy names alpha's store: a team cannot grant itself another team's store.
        String claim = master.ok("POST", "/policies", "{\"name\":\"claim\",\"team_id\":\"" + teamC
                + "\",\"vector_stores\":[\"vs_*\"]}").text("id");
        master.ok("POST", "/policies/" + claim + "/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"" + teamC + "\"}");
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    static String key(String team, String name) {
        String svc = master.ok("POST", "/service-accounts", "{\"name\":\"" + name + "\",\"team_id\":\"" + team + "\"}").text("id");
        return master.ok("POST", "/keys", "{\"owner_id\":\"" + svc + "\"}").text("key");
    }

    static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(key).timeout(Duration.ofSeconds(20)).maxRetries(0).build();
    }

    static VectorStoreFile settled(OpenAIClient client, String vs, String f) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            VectorStoreFile got = client.vectorStores().files().retrieve(f, FileRetrieveParams.builder().vectorStoreId(vs).build());
            if (!got.status().asString().equals("in_progress") || System.nanoTime() > deadline) {
                return got;
            }
            Thread.sleep(50);
        }
    }

    static List<VectorStoreSearchResponse> search(OpenAIClient client, String vs, String query) {
        return client.vectorStores().search(VectorStoreSearchParams.builder().vectorStoreId(vs).query(query).build()).data();
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

    /** Every change to a store (and reading a file's whole content), as raw requests. */
    static String[][] writes(String vs, String f) {
        String at = "/v1/vector_stores/" + vs;
        return new String[][] {
                {"POST", at, "{\"name\":\"mine now\"}"},
                {"DELETE", at, null},
                {"POST", at + "/files", "{\"file_id\":\"" + f + "\"}"},
                {"POST", at + "/files/" + f, "{\"attributes\":{\"department\":\"taken\"}}"},
                {"GET", at + "/files/" + f + "/content", null},
                {"DELETE", at + "/files/" + f, null},
                {"POST", at + "/file_batches", "{\"file_ids\":[\"" + f + "\"]}"},
                {"POST", at + "/file_batches/vsfb_x/cancel", null}};
    }

    @Test
    void aSharedStoreCanBeReadAndSearchedButNotChanged() throws Exception {
        // Read: retrieve, its files, one file, search.
        assertThat(beta.vectorStores().retrieve(store).name()).isEqualTo("handbook");
        assertThat(beta.vectorStores().files().list(com.openai.models.vectorstores.files.FileListParams.builder()
                .vectorStoreId(store).build()).data()).extracting(VectorStoreFile::id).containsExactly(file);
        assertThat(beta.vectorStores().files().retrieve(file, FileRetrieveParams.builder().vectorStoreId(store).build()).status()
                .asString()).isEqualTo("completed");
        List<VectorStoreSearchResponse> hits = search(beta, store, "lantern code");
        assertThat(hits).extracting(VectorStoreSearchResponse::fileId).contains(file);
        assertThat(hits.getFirst().content().getFirst().text()).contains("SILVER-MOTH-5150");
        // Not listed among beta's own stores: sharing lends it, it does not give it.
        assertThat(beta.vectorStores().list().data()).extracting(VectorStore::id).doesNotContain(store);

        // Write: every change is a 403 naming why; nothing changed.
        assertThatThrownBy(() -> beta.vectorStores().update(store, VectorStoreUpdateParams.builder().name("mine").build()))
                .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("read-only");
        assertThatThrownBy(() -> beta.vectorStores().delete(store)).isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> beta.vectorStores().files().content(file, FileContentParams.builder().vectorStoreId(store).build()))
                .isInstanceOf(PermissionDeniedException.class);
        for (String[] call : writes(store, file)) {
            HttpResponse<String> reply = send(keyB, call[0], call[1], call[2]);
            assertThat(reply.statusCode()).as(call[0] + " " + call[1] + ": " + reply.body()).isEqualTo(403);
            assertThat(json(reply).path("error").path("code").asText()).isEqualTo("vector_store_read_only");
            assertThat(reply.body()).doesNotContain("SILVER-MOTH");
        }
        // The file itself stays alpha's: beta cannot read, download or delete it through /v1/files.
        assertThatThrownBy(() -> beta.files().retrieve(file)).isInstanceOf(NotFoundException.class);
        assertThat(send(keyB, "GET", "/v1/files/" + file + "/content", null).statusCode()).isEqualTo(404);
        assertThat(send(keyB, "DELETE", "/v1/files/" + file, null).statusCode()).isEqualTo(404);
        // Beta's own store cannot take alpha's file by way of the share.
        String betaStore = beta.vectorStores().create(VectorStoreCreateParams.builder().name("beta").build()).id();
        assertThat(send(keyB, "POST", "/v1/vector_stores/" + betaStore + "/files", "{\"file_id\":\"" + file + "\"}").statusCode())
                .isEqualTo(404);

        VectorStore after = alpha.vectorStores().retrieve(store);
        assertThat(after.name()).isEqualTo("handbook");
        assertThat(after.fileCounts().completed()).isEqualTo(1);
        assertThat(search(alpha, store, "lantern code")).extracting(VectorStoreSearchResponse::fileId).contains(file);
    }

    @Test
    void aSharedStoreWorksInFileSearchOnChatAndResponses() throws Exception {
        HttpResponse<String> chat = send(keyB, "POST", "/v1/chat/completions", """
                {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is the lantern code?"}],
                 "tools": [{"type": "file_search", "vector_store_ids": ["%s"]}]}""".formatted(store));
        assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
        assertThat(json(chat).path("gatehouse_file_search").path("results").path(0).path("file_id").asText()).isEqualTo(file);
        HttpResponse<String> responses = send(keyB, "POST", "/v1/responses", """
                {"model": "gpt-4o-mini", "input": "What is the lantern code?",
                 "tools": [{"type": "file_search", "vector_store_ids": ["%s"]}]}""".formatted(store));
        assertThat(responses.statusCode()).as(responses.body()).isEqualTo(200);
        assertThat(json(responses).path("output").path(0).path("type").asText()).isEqualTo("file_search_call");
    }

    @Test
    void aTeamThatIsNotSharedGets404EverywhereEvenWithItsOwnPolicyNamingTheStore() throws Exception {
        assertThatThrownBy(() -> gamma.vectorStores().retrieve(store)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> search(gamma, store, "lantern")).isInstanceOf(NotFoundException.class);
        String at = "/v1/vector_stores/" + store;
        List<String[]> calls = new java.util.ArrayList<>(List.of(writes(store, file)));
        calls.add(new String[] {"GET", at, null});
        calls.add(new String[] {"GET", at + "/files", null});
        calls.add(new String[] {"GET", at + "/files/" + file, null});
        calls.add(new String[] {"GET", at + "/file_batches/vsfb_x", null});
        calls.add(new String[] {"GET", at + "/file_batches/vsfb_x/files", null});
        calls.add(new String[] {"POST", at + "/search", "{\"query\":\"lantern\"}"});
        for (String[] call : calls) {
            HttpResponse<String> reply = send(keyC, call[0], call[1], call[2]);
            assertThat(reply.statusCode()).as(call[0] + " " + call[1] + ": " + reply.body()).isEqualTo(404);
            assertThat(json(reply).path("error").path("type").asText()).isEqualTo("not_found_error");
        }
        HttpResponse<String> chat = send(keyC, "POST", "/v1/chat/completions", """
                {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "lantern code?"}],
                 "tools": [{"type": "file_search", "vector_store_ids": ["%s"]}]}""".formatted(store));
        assertThat(chat.statusCode()).isEqualTo(404);
        assertThat(json(chat).path("error").path("param").asText()).isEqualTo("tools[0].vector_store_ids");
    }

    @Test
    void anOrganisationWidePolicySharesAnyTeamsStoreAndDetachingEndsIt() throws Exception {
        String delta = master.ok("POST", "/teams", "{\"name\":\"delta\"}").text("id");
        String keyD = key(delta, "delta-bot");
        assertThat(send(keyD, "GET", "/v1/vector_stores/" + store, null).statusCode()).isEqualTo(404);
        String org = master.ok("POST", "/policies", "{\"name\":\"org-share\",\"vector_stores\":[\"" + store + "\"]}").text("id");
        master.ok("POST", "/policies/" + org + "/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"" + delta + "\"}");
        assertThat(send(keyD, "GET", "/v1/vector_stores/" + store, null).statusCode()).isEqualTo(200);
        assertThat(send(keyD, "POST", "/v1/vector_stores/" + store + "/search", "{\"query\":\"lantern\"}").statusCode()).isEqualTo(200);
        assertThat(send(keyD, "DELETE", "/v1/vector_stores/" + store, null).statusCode()).isEqualTo(403);
        master.ok("DELETE", "/policies/" + org + "/attachments/team/" + delta, null);
        assertThat(send(keyD, "GET", "/v1/vector_stores/" + store, null).statusCode()).isEqualTo(404);
    }

    @Test
    void includeSharedListsSharedStoresWithTheCallersOwnInOnePaginatedOrder() throws Exception {
        String epsilon = master.ok("POST", "/teams", "{\"name\":\"epsilon\"}").text("id");
        String keyE = key(epsilon, "epsilon-bot");
        OpenAIClient eps = client(keyE);
        List<String> sharedIds = new java.util.ArrayList<>();
        List<String> ownIds = new java.util.ArrayList<>();
        String unshared = null;
        for (int i = 0; i < 3; i++) {
            ownIds.add(eps.vectorStores().create(VectorStoreCreateParams.builder().name("own-" + i).build()).id());
            String a = alpha.vectorStores().create(VectorStoreCreateParams.builder().name("alpha-" + i).build()).id();
            if (i < 2) {
                sharedIds.add(a);
            } else {
                unshared = a;
            }
        }
        String policy = master.ok("POST", "/policies", "{\"name\":\"share-two\",\"team_id\":\"" + teamA
                + "\",\"vector_stores\":[\"" + sharedIds.get(0) + "\",\"" + sharedIds.get(1) + "\"]}").text("id");
        master.ok("POST", "/policies/" + policy + "/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"" + epsilon + "\"}");

        // Without include: the caller's own stores only, as OpenAI lists them.
        assertThat(eps.vectorStores().list().data()).extracting(VectorStore::id).containsExactlyInAnyOrderElementsOf(ownIds);

        // include=shared through the official SDK, two per page, every page fetched by its cursor.
        List<VectorStore> paged = new java.util.ArrayList<>();
        eps.vectorStores().list(VectorStoreListParams.builder().limit(2).putAdditionalQueryParam("include", "shared").build())
                .autoPager().forEach(paged::add);
        List<String> expected = new java.util.ArrayList<>(ownIds);
        expected.addAll(sharedIds);
        assertThat(paged).extracting(VectorStore::id).containsExactlyInAnyOrderElementsOf(expected).doesNotHaveDuplicates()
                .doesNotContain(unshared, store);
        // One order across own and shared (newest first, ties by id), the same as in one page.
        List<String> onePage = eps.vectorStores().list(VectorStoreListParams.builder().limit(100)
                .putAdditionalQueryParam("include", "shared").build()).data().stream().map(VectorStore::id).toList();
        assertThat(paged).extracting(VectorStore::id).containsExactlyElementsOf(onePage);
        for (int i = 1; i < paged.size(); i++) {
            assertThat(paged.get(i).createdAt()).isLessThanOrEqualTo(paged.get(i - 1).createdAt());
        }
        // Shared stores are marked; the caller's own are not.
        for (VectorStore v : paged) {
            JsonValue mark = v._additionalProperties().get("gatehouse_shared");
            if (sharedIds.contains(v.id())) {
                assertThat(mark).as(v.id()).isEqualTo(JsonValue.from(true));
            } else {
                assertThat(mark).as(v.id()).isNull();
            }
        }
        assertThat(json(send(keyE, "GET", "/v1/vector_stores/" + sharedIds.get(0), null)).path("gatehouse_shared").asBoolean()).isTrue();
        assertThat(json(send(keyA, "GET", "/v1/vector_stores/" + sharedIds.get(0), null)).has("gatehouse_shared")).isFalse();

        // Oldest first, with raw requests and after.
        List<String> ascending = new java.util.ArrayList<>();
        String after = null;
        for (int pages = 0; pages < 10; pages++) {
            JsonNode page = json(send(keyE, "GET", "/v1/vector_stores?include=shared&order=asc&limit=2"
                    + (after == null ? "" : "&after=" + after), null));
            page.path("data").forEach(v -> ascending.add(v.path("id").asText()));
            if (!page.path("has_more").asBoolean()) {
                break;
            }
            after = page.path("last_id").asText();
        }
        assertThat(ascending).containsExactlyElementsOf(onePage.reversed());

        // A store that is not shared never appears, not even as a cursor.
        JsonNode fromUnshared = json(send(keyE, "GET", "/v1/vector_stores?include=shared&after=" + unshared, null));
        assertThat(fromUnshared.path("data")).isEmpty();
        assertThat(fromUnshared.path("has_more").asBoolean()).isFalse();
        // gamma's own policy claims vs_*: it grants nothing of alpha's, so nothing of alpha's is listed.
        List<String> gammaList = gamma.vectorStores().list(VectorStoreListParams.builder().limit(100)
                .putAdditionalQueryParam("include", "shared").build()).data().stream().map(VectorStore::id).toList();
        assertThat(gammaList).doesNotContain(store, unshared, sharedIds.get(0), sharedIds.get(1));

        // Bad input: a 400 naming the parameter.
        HttpResponse<String> bad = send(keyE, "GET", "/v1/vector_stores?include=everything", null);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).path("error").path("param").asText()).isEqualTo("include");

        // Detaching the policy ends the listing at once.
        master.ok("DELETE", "/policies/" + policy + "/attachments/team/" + epsilon, null);
        assertThat(eps.vectorStores().list(VectorStoreListParams.builder().limit(100).putAdditionalQueryParam("include", "shared").build())
                .data()).extracting(VectorStore::id).containsExactlyInAnyOrderElementsOf(ownIds);
    }

    @Test
    void policiesShowAndCheckVectorStores() {
        AdminClient.Reply created = master.ok("POST", "/policies", "{\"name\":\"shows\",\"team_id\":\"" + teamA
                + "\",\"vector_stores\":[\"vs_a\",\"vs_team_*\"]}");
        assertThat(created.json().path("vector_stores").toString()).isEqualTo("[\"vs_a\",\"vs_team_*\"]");
        AdminClient.Reply changed = master.ok("PATCH", "/policies/" + created.text("id"), "{\"vector_stores\":[]}");
        assertThat(changed.json().path("vector_stores").isEmpty()).isTrue();
        AdminClient.Reply bad = master.send("POST", "/policies", "{\"name\":\"bad\",\"vector_stores\":[\"vs a; drop\"]}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("vector_stores");
    }

    @Test
    void theOwnerReadsAFilesParsedContentAndUpdatesItsAttributesInPlace() throws Exception {
        List<FileContentResponse> content = alpha.vectorStores().files().content(file, FileContentParams.builder().vectorStoreId(store)
                .build()).data();
        assertThat(content).isNotEmpty();
        assertThat(content.getFirst().type()).contains("text");
        assertThat(content.stream().map(c -> c.text().orElse("")).reduce("", String::concat)).contains("SILVER-MOTH-5150");

        String other = alpha.vectorStores().create(VectorStoreCreateParams.builder().name("attrs").build()).id();
        alpha.vectorStores().files().create(FileCreateParams.builder().vectorStoreId(other).fileId(file)
                .attributes(FileCreateParams.Attributes.builder().putAdditionalProperty("year", JsonValue.from(2023)).build()).build());
        assertThat(settled(alpha, other, file).status().asString()).isEqualTo("completed");
        VectorStoreFile updated = alpha.vectorStores().files().update(file, FileUpdateParams.builder().vectorStoreId(other)
                .attributes(FileUpdateParams.Attributes.builder().putAdditionalProperty("year", JsonValue.from(2025))
                        .putAdditionalProperty("reviewed", JsonValue.from(true)).build()).build());
        assertThat(updated.attributes().orElseThrow()._additionalProperties()).containsKeys("year", "reviewed");
        // Filters see the new attributes at once (the index changed in place), and not the old ones.
        assertThat(filtered(other, "year", 2025)).containsExactly(file);
        assertThat(filtered(other, "year", 2023)).isEmpty();
        JsonNode retrieved = json(send(keyA, "GET", "/v1/vector_stores/" + other + "/files/" + file, null));
        assertThat(retrieved.path("attributes").path("year").asDouble()).isEqualTo(2025.0);
        assertThat(retrieved.path("attributes").path("reviewed").asBoolean()).isTrue();
        // The chunks kept their text (and, with vectors, still rank by the query).
        assertThat(search(alpha, other, "lantern code").getFirst().content().getFirst().text()).contains("SILVER-MOTH-5150");
        // The other store's attachment is untouched.
        assertThat(filteredIn(store, "department", "facilities")).containsExactly(file);

        // Bad input and unknown ids: 400 naming the field, 404.
        HttpResponse<String> missing = send(keyA, "POST", "/v1/vector_stores/" + other + "/files/" + file, "{}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(json(missing).path("error").path("param").asText()).isEqualTo("attributes");
        HttpResponse<String> wrongType = send(keyA, "POST", "/v1/vector_stores/" + other + "/files/" + file, "{\"attributes\":[1]}");
        assertThat(wrongType.statusCode()).isEqualTo(400);
        assertThat(send(keyA, "POST", "/v1/vector_stores/" + other + "/files/file-nope", "{\"attributes\":{}}").statusCode())
                .isEqualTo(404);
        assertThat(send(keyA, "GET", "/v1/vector_stores/" + other + "/files/file-nope/content", null).statusCode()).isEqualTo(404);
    }

    private static List<String> filtered(String vs, String key, long value) {
        return alpha.vectorStores().search(VectorStoreSearchParams.builder().vectorStoreId(vs).query("lantern code")
                .filters(ComparisonFilter.builder().key(key).type(ComparisonFilter.Type.EQ).value(value).build()).build())
                .data().stream().map(VectorStoreSearchResponse::fileId).distinct().toList();
    }

    private static List<String> filteredIn(String vs, String key, String value) {
        return alpha.vectorStores().search(VectorStoreSearchParams.builder().vectorStoreId(vs).query("lantern code")
                .filters(ComparisonFilter.builder().key(key).type(ComparisonFilter.Type.EQ).value(value).build()).build())
                .data().stream().map(VectorStoreSearchResponse::fileId).distinct().toList();
    }
}
