package dev.gatehouse.api.rag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.rag.ChunkIndex;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Responses API answer with file search in OpenAI's shapes: a {@code file_search_call} output item
 * first (the query searched; {@code results} as OpenAI leaves them unless included), and a
 * {@code file_citation} annotation on each output text wherever the model cites an excerpt as
 * {@code [n]}, at the character index of the citation.
 */
final class ResponsesCitations {
    private static final Pattern CITE = Pattern.compile("\\[(\\d{1,3})]");

    private ResponsesCitations() {}

    static ObjectNode annotate(ObjectNode response, String query, List<ChunkIndex.Hit> hits) {
        ArrayNode output = response.withArray("output");
        ObjectNode call = output.insertObject(0).put("id", RagHttp.id("fs_")).put("type", "file_search_call").put("status", "completed");
        call.putArray("queries").add(query);
        call.putNull("results");
        for (JsonNode item : output) {
            if (!"message".equals(item.path("type").asText())) {
                continue;
            }
            for (JsonNode part : item.path("content")) {
                if (!"output_text".equals(part.path("type").asText()) || !(part instanceof ObjectNode text)) {
                    continue;
                }
                ArrayNode annotations = text.withArray("annotations");
                Matcher m = CITE.matcher(text.path("text").asText());
                while (m.find()) {
                    int n = Integer.parseInt(m.group(1));
                    if (n >= 1 && n <= hits.size()) {
                        ChunkIndex.Hit h = hits.get(n - 1);
                        annotations.addObject().put("type", "file_citation").put("index", m.start()).put("file_id", h.fileId())
                                .put("filename", h.filename());
                    }
                }
            }
        }
        return response;
    }
}
