package dev.gatehouse.api.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiChunkEncoder;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsDecoder;
import dev.gatehouse.dialect.openai.OpenAiEmbeddingsScan;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OpenAiEmbeddingsAndErrorsTest {

    @Test
    void scanAcceptsAllInputShapesAndSplicesModel() {
        assertThat(OpenAiEmbeddingsScan.scan(Buffer.buffer("{\"input\":\"hi\",\"model\":\"e\"}")).inputCount()).isEqualTo(1);
        assertThat(OpenAiEmbeddingsScan.scan(Buffer.buffer("{\"model\":\"e\",\"input\":[\"a\",\"b\"]}")).inputCount()).isEqualTo(2);
        OpenAiEmbeddingsScan tokens = OpenAiEmbeddingsScan.scan(Buffer.buffer("{\"model\":\"e\",\"input\":[[1,2],[3]],\"dimensions\":256,\"encoding_format\":\"base64\"}"));
        assertThat(tokens.tokenInput()).isTrue();
        assertThat(tokens.inputCount()).isEqualTo(2);
        assertThat(tokens.dimensions()).isEqualTo(256);
        assertThat(tokens.withModel("x\"y").toString()).isEqualTo("{\"model\":\"x\\\"y\",\"input\":[[1,2],[3]],\"dimensions\":256,\"encoding_format\":\"base64\"}");
        assertThat(OpenAiEmbeddingsDecoder.decode(Buffer.buffer("{\"model\":\"e\",\"input\":[\"a\",\"b\"],\"user\":\"u\",\"x\":1}")).extra()).containsKey("x");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"input":"a"}                             | Missing required parameter: 'model'.                          | model
            {"model":"e"}                             | Missing required parameter: 'input'.                          | input
            {"model":"e","input":5}                   | 'input' must be a string or an array of strings or token ids, got a number. | input
            {"model":"e","input":[]}                  | 'input' must not be an empty array.                           | input
            {"model":"e","input":["a",1]}             | 'input[1]' must be a string like the other inputs, got a number. | input[1]
            {"model":"e","input":[[1,"a"]]}           | 'input[0][1]' must be an integer token id, got a string.      | input[0][1]
            {"model":"e","input":"a","encoding_format":"hex"} | 'encoding_format' must be 'float' or 'base64', got 'hex'. | encoding_format
            {"model":"e","input":"a","dimensions":-3} | 'dimensions' must be an integer from 1 to 65536, got -3.       | dimensions
            {"model":"e","input":"a","dimensions":69246094} | 'dimensions' must be an integer from 1 to 65536, got 69246094. | dimensions
            """)
    void badEmbeddingInput(String body, String message, String param) {
        assertThatThrownBy(() -> OpenAiEmbeddingsScan.scan(Buffer.buffer(body)))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo(message);
                    assertThat(e.param()).isEqualTo(param);
                });
    }

    @Test
    void tokenInputIsRefusedOnlyOnTheCanonicalPath() {
        assertThatThrownBy(() -> OpenAiEmbeddingsDecoder.decode(Buffer.buffer("{\"model\":\"e\",\"input\":[1,2,3]}")))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.param()).isEqualTo("input"));
    }

    @Test
    void errorBodyShape() {
        assertThat(OpenAiErrors.body(GatewayException.invalid("Bad \"x\"", "messages[0].role")).toString())
                .isEqualTo("{\"error\":{\"message\":\"Bad \\\"x\\\"\",\"type\":\"invalid_request_error\",\"param\":\"messages[0].role\",\"code\":\"invalid_value\"}}");
        assertThat(OpenAiErrors.body("m", "server_error", null, null).toString())
                .isEqualTo("{\"error\":{\"message\":\"m\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");
        assertThat(new OpenAiChunkEncoder("m", false).error(GatewayException.invalid("x", null)).toString())
                .startsWith("data: {\"error\":{\"message\":\"x\"").endsWith("}}\n\n");
    }
}
