package dev.gatehouse.dialect.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A decoded {@code POST /v1/responses} request: the parameters as a canonical request without its
 * conversation, this turn's input items (normalised: each an object with a type and an id, as
 * {@code input_items} lists them) and what the answer echoes back (instructions, tools, metadata, ...).
 *
 * @param root the request as sent, for the fields the answer echoes
 * @param parameters everything but the conversation, in canonical form
 * @param inputItems this turn's input items, normalised
 * @param instructions the system text of this turn only (OpenAI does not carry it to the next turn), or null
 */
public record ResponsesRequest(ObjectNode root, String model, boolean stream, boolean store, String previousResponseId,
        ChatRequest parameters, ArrayNode inputItems, String instructions) {

    /**
     * The canonical request for this turn: the instructions, then the stored conversation of the
     * previous response (its inputs and outputs, oldest first), then this turn's input.
     */
    public ChatRequest chat(List<JsonNode> history) {
        List<Message> messages = new ArrayList<>();
        if (instructions != null) {
            messages.add(new Message(Role.SYSTEM, List.of(new ContentPart.Text(instructions)), List.of(), null, null, Map.of()));
        }
        ResponsesItems.toMessages(history, "previous_response_id", messages);
        List<JsonNode> input = new ArrayList<>(inputItems.size());
        inputItems.forEach(input::add);
        ResponsesItems.toMessages(input, "input", messages);
        return parameters.withMessages(messages);
    }

    /** This request with {@code store} forced off (zero data retention). */
    public ResponsesRequest withoutStore() {
        return new ResponsesRequest(root, model, stream, false, previousResponseId, parameters, inputItems, instructions);
    }
}
