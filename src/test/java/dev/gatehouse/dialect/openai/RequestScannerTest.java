package dev.gatehouse.dialect.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonToken;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestScannerTest {
    private static final RequestScanner.Rules OPENAI = new RequestScanner.Rules(RequestScanner.Wording.OPENAI, "model", "n");
    private static final RequestScanner.Rules ANTHROPIC = new RequestScanner.Rules(RequestScanner.Wording.ANTHROPIC, "model", "n");

    /** The keys of the root object, in order, through the scanner's duplicate check. */
    private static List<String> keys(String json, RequestScanner.Rules rules) {
        return RequestScanner.scan(Buffer.buffer(json), rules, (p, scanner) -> {
            List<String> keys = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                keys.add(scanner.key(p));
                p.nextToken();
                p.skipChildren();
            }
            return keys;
        });
    }

    private static void refused(String json, RequestScanner.Rules rules, String message, String param) {
        assertThatThrownBy(() -> keys(json, rules)).isInstanceOf(GatewayException.class).hasMessage(message)
                .satisfies(e -> assertThat(((GatewayException) e).param()).isEqualTo(param));
    }

    @Test
    void refusesARepeatedKeyFromTheTableOnly() {
        assertThat(keys("{\"model\":\"a\",\"x\":1,\"x\":2,\"n\":1}", OPENAI)).containsExactly("model", "x", "x", "n");
        refused("{\"n\":1,\"model\":\"a\",\"n\":2}", OPENAI, "Duplicate key 'n' in request body.", "n");
        refused("{\"model\":\"a\",\"model\":\"b\"}", ANTHROPIC, "model: duplicate key in request body.", "model");
    }

    @Test
    void theRootMustBeAnObject() {
        refused("", OPENAI, "Request body is empty; expected a JSON object.", null);
        refused("  ", OPENAI, "Request body is empty; expected a JSON object.", null);
        refused("[1]", OPENAI, "Request body must be a JSON object, got an array.", null);
        refused("  ", ANTHROPIC, "Request body is empty; expected a JSON object.", null);
        refused("\"x\"", ANTHROPIC, "Request body must be a JSON object, got a string.", null);
        assertThatThrownBy(() -> keys("{\"model\":", OPENAI)).isInstanceOf(GatewayException.class)
                .hasMessageStartingWith("Request body is not valid JSON");
    }

    @Test
    void embeddingsBodyOfOnlyWhitespaceIsA400() {
        assertThatThrownBy(() -> OpenAiEmbeddingsScan.scan(Buffer.buffer(" \n")))
                .isInstanceOf(GatewayException.class).hasMessage("Request body is empty; expected a JSON object.");
        assertThatThrownBy(() -> OpenAiEmbeddingsScan.scan(Buffer.buffer("{\"model\":\"m\",\"input\":\"a\",\"input\":\"b\"}")))
                .isInstanceOf(GatewayException.class).hasMessage("Duplicate key 'input' in request body.");
    }
}
