package dev.gatehouse.dialect.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.dialect.openai.OpenAiJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Replays of stored responses whose shapes a live call rarely produces: failed, refusals, several parts. */
class ResponsesReplayTest {

    private static List<JsonNode> events(ObjectNode stored, long startingAfter) throws Exception {
        String sse = ResponsesStreamEncoder.replay(stored, startingAfter).toString(StandardCharsets.UTF_8);
        List<JsonNode> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            String[] lines = block.split("\n");
            JsonNode data = OpenAiJson.MAPPER.readTree(lines[1].substring("data: ".length()));
            assertThat(lines[0]).isEqualTo("event: " + data.get("type").asText());
            out.add(data);
        }
        return out;
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.get("type").asText()).toList();
    }

    private static ObjectNode stored(String status, String output) throws Exception {
        return (ObjectNode) OpenAiJson.MAPPER.readTree("{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"" + status
                + "\",\"error\":null,\"incomplete_details\":null,\"output\":" + output + ",\"usage\":{\"input_tokens\":3}}");
    }

    @Test
    void failedResponseEndsInResponseFailed() throws Exception {
        ObjectNode stored = stored("failed", "[]");
        stored.putObject("error").put("code", "server_error").put("message", "upstream failed");
        List<JsonNode> events = events(stored, -1);
        assertThat(types(events)).containsExactly("response.created", "response.in_progress", "response.failed");
        assertThat(events.get(0).get("response").get("error").isNull()).isTrue();
        assertThat(events.get(0).get("response").get("usage").isNull()).isTrue();
        assertThat(events.get(2).get("response")).isEqualTo(stored);
        assertThat(events.get(2).get("sequence_number").asInt()).isEqualTo(2);
    }

    @Test
    void refusalAndSeveralPartsAndSummariesKeepTheirIndexes() throws Exception {
        ObjectNode stored = stored("completed", """
                [{"id":"rs_1","type":"reasoning","summary":[{"type":"summary_text","text":"a"},{"type":"summary_text","text":"b"}]},
                 {"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[
                   {"type":"output_text","text":"one","annotations":[],"logprobs":[]},
                   {"type":"refusal","refusal":"no"}]}]""");
        List<JsonNode> events = events(stored, -1);
        assertThat(types(events)).containsExactly("response.created", "response.in_progress",
                "response.output_item.added",
                "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
                "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
                "response.output_item.done",
                "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                "response.content_part.added", "response.refusal.delta", "response.refusal.done", "response.content_part.done",
                "response.output_item.done", "response.completed");
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).get("sequence_number").asInt()).isEqualTo(i);
        }
        assertThat(events.get(8).get("summary_index").asInt()).isEqualTo(1);
        assertThat(events.get(8).get("delta").asText()).isEqualTo("b");
        assertThat(events.get(12).get("item").get("status").asText()).isEqualTo("in_progress");
        assertThat(events.get(12).get("item").get("content")).isEmpty();
        assertThat(events.get(17).get("content_index").asInt()).isEqualTo(1);
        assertThat(events.get(17).get("part").get("refusal").asText()).isEmpty();
        assertThat(events.get(19).get("refusal").asText()).isEqualTo("no");
        assertThat(events.get(21).get("item")).isEqualTo(stored.get("output").get(1));
        assertThat(events.getLast().get("response")).isEqualTo(stored);

        List<JsonNode> rest = events(stored, 20);
        assertThat(types(rest)).containsExactly("response.output_item.done", "response.completed");
        assertThat(rest.get(0).get("sequence_number").asInt()).isEqualTo(21);
    }
}
