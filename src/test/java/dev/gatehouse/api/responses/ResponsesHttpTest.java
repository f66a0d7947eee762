package dev.gatehouse.api.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Responses API on the wire: the SSE event grammar byte for byte, stored responses scoped to
 * their team (another team gets 404 everywhere), and bad requests answered 400 naming the field.
 */
class ResponsesHttpTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static GatewayHarness gateway;
    static String keyA;
    static String keyA2;
    static String keyB;

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start(GatewayHarness.mockConfig());
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String teamA = master.ok("POST", "/teams", "{\"name\":\"alpha\"}").text("id");
        String teamB = master.ok("POST", "/teams", "{\"name\":\"beta\"}").text("id");
        keyA = key(master, teamA, "alpha-bot");
        keyA2 = key(master, teamA, "alpha-bot-2");
        keyB = key(master, teamB, "beta-bot");
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static String key(AdminClient master, String team, String name) {
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

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    /** The events of a stream: each SSE event's name and its JSON data. */
    record Event(String name, JsonNode data) {}

    static List<Event> events(String sse) throws Exception {
        List<Event> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String name = null;
            String data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = line.substring(6);
                }
            }
            assertThat(data).as("event without data: " + block).isNotNull();
            out.add(new Event(name, JSON.readTree(data)));
        }
        return out;
    }

    @Test
    void streamFollowsOpenAisEventGrammar() throws Exception {
        HttpResponse<String> r = send(keyA, "POST", "/v1/responses",
                "{\"model\":\"gpt-4o-mini\",\"input\":\"Tell me a story\",\"stream\":true}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<Event> events = events(r.body());
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            assertThat(e.data().get("sequence_number").asInt()).as("sequence_number of event " + i).isEqualTo(i);
            assertThat(e.data().get("type").asText()).isEqualTo(e.name());
        }
        List<String> names = events.stream().map(Event::name).toList();
        List<String> collapsed = new ArrayList<>();
        for (String n : names) {
            if (collapsed.isEmpty() || !collapsed.getLast().equals(n)) {
                collapsed.add(n);
            }
        }
        assertThat(collapsed).containsExactly("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done", "response.completed");
        JsonNode created = events.get(0).data().get("response");
        assertThat(created.get("status").asText()).isEqualTo("in_progress");
        assertThat(created.get("output")).isEmpty();
        JsonNode completed = events.getLast().data().get("response");
        assertThat(completed.get("id").asText()).isEqualTo(created.get("id").asText());
        assertThat(completed.get("status").asText()).isEqualTo("completed");
        assertThat(completed.get("usage").get("output_tokens").asInt()).isEqualTo(12);
        assertThat(completed.get("usage").get("total_tokens").asInt()).isGreaterThan(12);
        StringBuilder deltas = new StringBuilder();
        events.stream().filter(e -> e.name().equals("response.output_text.delta")).forEach(e -> deltas.append(e.data().get("delta").asText()));
        String itemId = events.get(2).data().get("item").get("id").asText();
        JsonNode done = events.stream().filter(e -> e.name().equals("response.output_text.done")).findFirst().orElseThrow().data();
        assertThat(done.get("text").asText()).isEqualTo(deltas.toString()).startsWith("Mock answer to: Tell me a story");
        assertThat(done.get("item_id").asText()).isEqualTo(itemId);
        assertThat(completed.get("output").get(0).get("content").get(0).get("text").asText()).isEqualTo(deltas.toString());

        // Stored before response.completed was sent: readable at once.
        HttpResponse<String> stored = send(keyA, "GET", "/v1/responses/" + completed.get("id").asText(), null);
        assertThat(stored.statusCode()).isEqualTo(200);
        assertThat(json(stored).get("output")).isEqualTo(completed.get("output"));
    }

    /**
     * Checks a replayed stream against the stored response it replays: sequence numbers from
     * {@code firstSequence} without gaps, each event's type its SSE name, and the output rebuilt from
     * the events alone (items added empty, parts filled from their deltas, items done whole) equal
     * to the stored output; the last event carries the stored response unchanged.
     */
    static List<String> checkReplay(List<Event> events, JsonNode stored, int firstSequence) {
        List<String> collapsed = new ArrayList<>();
        com.fasterxml.jackson.databind.node.ArrayNode rebuilt = JSON.createArrayNode();
        java.util.Map<String, StringBuilder> deltas = new java.util.HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            JsonNode d = e.data();
            assertThat(d.get("sequence_number").asInt()).as("sequence_number of event " + i).isEqualTo(firstSequence + i);
            assertThat(d.get("type").asText()).isEqualTo(e.name());
            if (collapsed.isEmpty() || !collapsed.getLast().equals(e.name())) {
                collapsed.add(e.name());
            }
            int index = d.path("output_index").asInt(-1);
            if (index >= 0 && !e.name().equals("response.output_item.added")) {
                while (rebuilt.size() <= index) {
                    rebuilt.addObject(); // an item added before a resumed replay's first event
                }
            }
            String at = d.path("output_index").asText() + "/" + d.path("content_index").asText() + d.path("summary_index").asText();
            switch (e.name()) {
                case "response.created", "response.in_progress" -> {
                    assertThat(d.get("response").get("id")).isEqualTo(stored.get("id"));
                    assertThat(d.get("response").get("status").asText()).isEqualTo("in_progress");
                    assertThat(d.get("response").get("output")).isEmpty();
                }
                case "response.output_item.added" -> {
                    assertThat(d.get("output_index").asInt()).isEqualTo(rebuilt.size());
                    rebuilt.add(d.get("item"));
                }
                case "response.output_text.delta", "response.function_call_arguments.delta", "response.reasoning_summary_text.delta" -> {
                    if (firstSequence == 0) {
                        assertThat(d.get("item_id")).isEqualTo(rebuilt.get(index).get("id"));
                    }
                    deltas.computeIfAbsent(at, k -> new StringBuilder()).append(d.get("delta").asText());
                }
                case "response.output_text.done", "response.reasoning_summary_text.done" ->
                        assertThat(d.get("text").asText()).isEqualTo(deltas.getOrDefault(at, new StringBuilder()).toString());
                case "response.function_call_arguments.done" ->
                        assertThat(d.get("arguments").asText()).isEqualTo(deltas.getOrDefault(at, new StringBuilder()).toString());
                case "response.content_part.done" -> ((com.fasterxml.jackson.databind.node.ObjectNode) rebuilt.get(d.get("output_index")
                        .asInt())).withArray("content").add(d.get("part"));
                case "response.output_item.done" -> {
                    JsonNode item = d.get("item");
                    JsonNode built = rebuilt.get(d.get("output_index").asInt());
                    if (item.get("type").asText().equals("message") && firstSequence == 0) {
                        assertThat(built.get("content")).isEqualTo(item.get("content"));
                    }
                    if (item.get("type").asText().equals("function_call")) {
                        assertThat(deltas.getOrDefault(at, new StringBuilder()).toString()).isEqualTo(item.get("arguments").asText());
                    }
                    rebuilt.set(d.get("output_index").asInt(), item);
                }
                default -> { }
            }
        }
        if (firstSequence == 0) {
            assertThat(rebuilt).isEqualTo(stored.get("output"));
        }
        assertThat(events.getLast().data().get("response")).isEqualTo(stored);
        return collapsed;
    }

    @Test
    void storedTextResponseReplaysAsItsStream() throws Exception {
        JsonNode stored = json(send(keyA, "POST", "/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Tell me a story\"}"));
        String id = stored.get("id").asText();
        HttpResponse<String> r = send(keyA2, "GET", "/v1/responses/" + id + "?stream=true", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<Event> events = events(r.body());
        assertThat(checkReplay(events, stored, 0)).containsExactly("response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed");
        assertThat(events.stream().filter(e -> e.name().equals("response.output_text.delta")).findFirst().orElseThrow().data()
                .get("delta").asText()).startsWith("Mock answer to: Tell me a story");

        // starting_after=N resumes after event N.
        List<Event> rest = events(send(keyA, "GET", "/v1/responses/" + id + "?stream=true&starting_after=3", null).body());
        assertThat(rest).hasSize(events.size() - 4);
        assertThat(rest.getFirst().data()).isEqualTo(events.get(4).data());
        checkReplay(rest, stored, 4);
        assertThat(send(keyA, "GET", "/v1/responses/" + id + "?stream=true&starting_after=" + (events.size() - 1), null).body()).isEmpty();

        // stream=false is the JSON as before; another team gets 404; bad parameters are 400 naming them.
        assertThat(json(send(keyA, "GET", "/v1/responses/" + id + "?stream=false", null))).isEqualTo(stored);
        HttpResponse<String> other = send(keyB, "GET", "/v1/responses/" + id + "?stream=true", null);
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(other.body()).doesNotContain("Mock answer");
        assertThat(json(send(keyA, "GET", "/v1/responses/" + id + "?stream=yes", null)).get("error").get("param").asText())
                .isEqualTo("stream");
        for (String bad : new String[] {"x", "-1", "1.5"}) {
            HttpResponse<String> b = send(keyA, "GET", "/v1/responses/" + id + "?stream=true&starting_after=" + bad, null);
            assertThat(b.statusCode()).isEqualTo(400);
            assertThat(json(b).get("error").get("param").asText()).isEqualTo("starting_after");
        }
        assertThat(send(keyA, "GET", "/v1/responses/resp_nope?stream=true", null).statusCode()).isEqualTo(404);
    }

    @Test
    void storedFunctionCallAndIncompleteResponsesReplay() throws Exception {
        JsonNode call = json(send(keyA, "POST", "/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Weather in Paris?\","
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}]}"));
        assertThat(call.get("output").toString()).contains("function_call");
        List<String> names = checkReplay(events(send(keyA, "GET", "/v1/responses/" + call.get("id").asText() + "?stream=true", null)
                .body()), call, 0);
        assertThat(names).contains("response.function_call_arguments.delta", "response.function_call_arguments.done")
                .endsWith("response.output_item.done", "response.completed");

        JsonNode cut = json(send(keyA, "POST", "/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Hi\",\"max_output_tokens\":5}"));
        assertThat(cut.get("status").asText()).isEqualTo("incomplete");
        List<Event> events = events(send(keyA, "GET", "/v1/responses/" + cut.get("id").asText() + "?stream=true", null).body());
        assertThat(checkReplay(events, cut, 0).getLast()).isEqualTo("response.incomplete");
    }

    @Test
    void maxOutputTokensCutIsIncomplete() throws Exception {
        // The mock answers 12 words; 5 cut it.
        HttpResponse<String> r = send(keyA, "POST", "/v1/responses",
                "{\"model\":\"gpt-4o-mini\",\"input\":\"Hi\",\"max_output_tokens\":5,\"stream\":true}");
        Event last = events(r.body()).getLast();
        assertThat(last.name()).isEqualTo("response.incomplete");
        assertThat(last.data().get("response").get("status").asText()).isEqualTo("incomplete");
        assertThat(last.data().get("response").get("incomplete_details").get("reason").asText()).isEqualTo("max_output_tokens");
        JsonNode whole = json(send(keyA, "POST", "/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Hi\",\"max_output_tokens\":5}"));
        assertThat(whole.get("status").asText()).isEqualTo("incomplete");
        assertThat(whole.get("incomplete_details").get("reason").asText()).isEqualTo("max_output_tokens");
        assertThat(whole.get("usage").get("output_tokens").asInt()).isEqualTo(5);
        JsonNode full = json(send(keyA, "POST", "/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Hi\"}"));
        assertThat(full.get("status").asText()).isEqualTo("completed");
        assertThat(full.get("incomplete_details").isNull()).isTrue();
    }

    @Test
    void storedResponsesBelongToTheirTeam() throws Exception {
        HttpResponse<String> created = send(keyA, "POST", "/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"secret plan\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String id = json(created).get("id").asText();

        // Another key of the same team reads it; another team gets 404 on every endpoint.
        assertThat(send(keyA2, "GET", "/v1/responses/" + id, null).statusCode()).isEqualTo(200);
        assertThat(send(keyB, "GET", "/v1/responses/" + id, null).statusCode()).isEqualTo(404);
        assertThat(send(keyB, "GET", "/v1/responses/" + id + "/input_items", null).statusCode()).isEqualTo(404);
        assertThat(send(keyB, "DELETE", "/v1/responses/" + id, null).statusCode()).isEqualTo(404);
        HttpResponse<String> followUp = send(keyB, "POST", "/v1/responses",
                "{\"model\":\"gpt-4o-mini\",\"input\":\"and then?\",\"previous_response_id\":\"" + id + "\"}");
        assertThat(followUp.statusCode()).isEqualTo(404);
        assertThat(json(followUp).get("error").get("param").asText()).isEqualTo("previous_response_id");
        assertThat(followUp.body()).doesNotContain("secret plan");
        // The master key (no team) does not see a team's responses either.
        assertThat(send(GatewayHarness.MASTER_KEY, "GET", "/v1/responses/" + id, null).statusCode()).isEqualTo(404);

        // The owner still has it, and its follow-up sees the history.
        HttpResponse<String> own = send(keyA, "POST", "/v1/responses",
                "{\"model\":\"gpt-4o-mini\",\"input\":\"and then?\",\"previous_response_id\":\"" + id + "\"}");
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(send(keyA, "DELETE", "/v1/responses/" + id, null).statusCode()).isEqualTo(200);
        assertThat(send(keyA, "GET", "/v1/responses/" + id, null).statusCode()).isEqualTo(404);
    }

    @Test
    void unknownIdIs404InOpenAisErrorShape() throws Exception {
        HttpResponse<String> r = send(keyA, "GET", "/v1/responses/resp_doesnotexist", null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).get("error").get("message").asText()).contains("resp_doesnotexist");
        assertThat(send("not-a-key", "GET", "/v1/responses/resp_x", null).statusCode()).isEqualTo(401);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "{\"input\":\"hi\"}|model",
        "{\"model\":\"gpt-4o-mini\"}|input",
        "{\"model\":\"gpt-4o-mini\",\"input\":42}|input",
        "{\"model\":\"gpt-4o-mini\",\"input\":[42]}|input[0]",
        "{\"model\":\"gpt-4o-mini\",\"input\":[{\"role\":\"robot\",\"content\":\"x\"}]}|input[0].role",
        "{\"model\":\"gpt-4o-mini\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}|input[0].content[0].type",
        "{\"model\":\"gpt-4o-mini\",\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}|input[0].call_id",
        "{\"model\":\"gpt-4o-mini\",\"input\":[{\"type\":\"web_search_call\",\"id\":\"x\"}]}|input[0].type",
        "{\"model\":\"gpt-4o-mini\",\"input\":[{\"type\":\"item_reference\",\"id\":\"x\"}]}|input[0].type",
        "{\"model\":\"gpt-4o-mini\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"f\"}]}]}|input[0].content[0].file_id",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"tools\":[{\"type\":\"file_search\"}]}|tools[0].vector_store_ids",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"tools\":[{\"type\":\"mcp\",\"server_label\":\"x\"}]}|tools[0].type",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"tools\":[{\"type\":\"web_search\"}]}|tools[0].type",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"tools\":[{\"type\":\"function\"}]}|tools[0].name",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"tool_choice\":\"sometimes\"}|tool_choice",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"x\"}}}|text.format.schema",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"reasoning\":{\"effort\":\"huge\"}}|reasoning.effort",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"temperature\":3}|temperature",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"max_output_tokens\":0}|max_output_tokens",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"metadata\":{\"k\":1}}|metadata.k",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"truncation\":\"auto\"}|truncation",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"background\":true}|background",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"store\":\"yes\"}|store",
        "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"frobnicate\":1}|frobnicate",
    })
    void badRequestsAre400NamingTheField(String body, String param) throws Exception {
        HttpResponse<String> r = send(keyA, "POST", "/v1/responses", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode error = json(r).get("error");
        assertThat(error.get("param").asText()).isEqualTo(param);
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void unknownModelIs404AndBadJsonIs400() throws Exception {
        assertThat(send(keyA, "POST", "/v1/responses", "{\"model\":\"nope\",\"input\":\"hi\"}").statusCode()).isEqualTo(404);
        assertThat(send(keyA, "POST", "/v1/responses", "{\"model\":").statusCode()).isEqualTo(400);
        HttpResponse<String> embedding = send(keyA, "POST", "/v1/responses", "{\"model\":\"text-embedding-3-small\",\"input\":\"hi\"}");
        assertThat(embedding.statusCode()).isEqualTo(400);
    }

    @Test
    void inputItemsPagingParametersAreChecked() throws Exception {
        String id = json(send(keyA, "POST", "/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\"}")).get("id").asText();
        assertThat(json(send(keyA, "GET", "/v1/responses/" + id + "/input_items?limit=0", null)).get("error").get("param").asText())
                .isEqualTo("limit");
        assertThat(json(send(keyA, "GET", "/v1/responses/" + id + "/input_items?order=up", null)).get("error").get("param").asText())
                .isEqualTo("order");
        assertThat(json(send(keyA, "GET", "/v1/responses/" + id + "/input_items?after=item_nope", null)).get("error").get("param")
                .asText()).isEqualTo("after");
        JsonNode list = json(send(keyA, "GET", "/v1/responses/" + id + "/input_items", null));
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data")).hasSize(1);
        assertThat(list.get("has_more").asBoolean()).isFalse();
    }
}
