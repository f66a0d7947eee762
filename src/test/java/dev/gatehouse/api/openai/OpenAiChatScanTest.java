package dev.gatehouse.api.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OpenAiChatScanTest {

    static JsonNode tree(Buffer b) throws Exception {
        return OpenAiJson.MAPPER.readTree(b.getBytes());
    }

    @Test
    void readsFastPathFields() {
        OpenAiChatScan s = OpenAiChatScan.scan(Buffer.buffer("""
                {"messages":[{"role":"user","content":"hi","model":"inner"}],"stream":true,
                 "stream_options":{"include_usage":true},"max_tokens":100,"max_completion_tokens":50,
                 "metadata":{"model":"x"},"model":"gpt-4o"}"""));
        assertThat(s.model()).isEqualTo("gpt-4o");
        assertThat(s.stream()).isTrue();
        assertThat(s.includeUsage()).isTrue();
        assertThat(s.maxTokens()).as("the larger of max_tokens and max_completion_tokens").isEqualTo(100);
        assertThat(s.messageCount()).isEqualTo(1);
        assertThat(s.usageInjected()).isFalse();
    }

    @Test
    void spliceTouchesOnlyTheTopLevelModelValue() throws Exception {
        String body = "{ \"messages\" : [{\"role\":\"user\",\"content\":\"say \\\"model\\\": \\\"gpt-4o\\\"\",\"model\":\"gpt-4o\"}],\n"
                + "  \"metadata\": {\"model\": \"gpt-4o\"},\n  \"model\"  :\t\"gpt-4o\" ,\"n\":1}";
        Buffer out = OpenAiChatScan.scan(Buffer.buffer(body)).withModel("azure/\"gpt\" 4o\u00e9\u0001");
        String text = out.toString();
        assertThat(text).isEqualTo(body.replace("\"model\"  :\t\"gpt-4o\"", "\"model\"  :\t\"azure/\\\"gpt\\\" 4o\u00e9\\u0001\""));
        JsonNode n = tree(out);
        assertThat(n.get("model").asText()).isEqualTo("azure/\"gpt\" 4o\u00e9\u0001");
        assertThat(n.get("messages").get(0).get("model").asText()).isEqualTo("gpt-4o");
        assertThat(n.get("metadata").get("model").asText()).isEqualTo("gpt-4o");
    }

    @Test
    void spliceReplacesAnEscapedModelValueWhole() throws Exception {
        Buffer body = Buffer.buffer("{\"model\":\"gpt\\u002d4o\\\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"h\u00e9\"}]}");
        OpenAiChatScan s = OpenAiChatScan.scan(body);
        assertThat(s.model()).isEqualTo("gpt-4o\"x");
        assertThat(s.withModel("m").toString()).isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"h\u00e9\"}]}");
    }

    @Test
    void spliceWorksOnASlicedBuffer() {
        Buffer big = Buffer.buffer("xxxx{\"model\":\"a\",\"messages\":[{}]}yyyy");
        Buffer slice = big.slice(4, big.length() - 4);
        assertThat(OpenAiChatScan.scan(slice).withModel("bb").toString()).isEqualTo("{\"model\":\"bb\",\"messages\":[{}]}");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"model":"a","stream":true,"messages":[{}]}                                          | {"stream_options":{"include_usage":true},"model":"b","stream":true,"messages":[{}]}
            {"messages":[{}],"stream":true,"stream_options":null,"model":"a"}                    | {"messages":[{}],"stream":true,"stream_options":{"include_usage":true},"model":"b"}
            {"model":"a","stream":true,"stream_options":{},"messages":[{}]}                      | {"model":"b","stream":true,"stream_options":{"include_usage":true},"messages":[{}]}
            {"model":"a","stream":true,"stream_options":{ "x" : 1 },"messages":[{}]}            | {"model":"b","stream":true,"stream_options":{"include_usage":true, "x" : 1 },"messages":[{}]}
            {"model":"a","stream":true,"stream_options":{"x":1,"include_usage": false},"messages":[{}]} | {"model":"b","stream":true,"stream_options":{"x":1,"include_usage": true},"messages":[{}]}
            {"stream_options":{"include_usage":null},"model":"a","stream":true,"messages":[{}]}  | {"stream_options":{"include_usage":true},"model":"b","stream":true,"messages":[{}]}
            {"model":"a","stream":true,"stream_options":{"include_usage":true},"messages":[{}]}  | {"model":"b","stream":true,"stream_options":{"include_usage":true},"messages":[{}]}
            {"model":"a","stream":false,"messages":[{}]}                                         | {"model":"b","stream":false,"messages":[{}]}
            """)
    void includeUsageInjection(String in, String expected) throws Exception {
        OpenAiChatScan s = OpenAiChatScan.scan(Buffer.buffer(in));
        Buffer out = s.withModelAndUsage("b");
        assertThat(out.toString()).isEqualTo(expected);
        OpenAiChatScan again = OpenAiChatScan.scan(out);
        assertThat(again.includeUsage()).isEqualTo(s.stream());
        assertThat(again.model()).isEqualTo("b");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', nullValues = "NULL", textBlock = """
            ``                                                  | Request body is empty; expected a JSON object.                       | NULL
            [1,2]                                               | Request body must be a JSON object, got an array.                    | NULL
            {"messages":[{}]}                                   | Missing required parameter: 'model'.                                 | model
            {"model":5,"messages":[{}]}                         | 'model' must be a string, got a number.                              | model
            {"model":"a","model":"b","messages":[{}]}           | Duplicate key 'model' in request body.                               | model
            {"model":"a"}                                       | Missing required parameter: 'messages'.                              | messages
            {"model":"a","messages":{}}                         | 'messages' must be an array, got an object.                          | messages
            {"model":"a","messages":[]}                         | 'messages' must contain at least one message.                        | messages
            {"model":"a","messages":["hi"]}                     | 'messages[0]' must be an object, got a string.                       | messages[0]
            {"model":"a","messages":[{}],"stream":"yes"}        | 'stream' must be a boolean, got a string.                            | stream
            {"model":"a","messages":[{}],"stream_options":1}    | 'stream_options' must be an object, got a number.                    | stream_options
            {"model":"a","messages":[{}],"stream_options":{"include_usage":"y"}} | 'stream_options.include_usage' must be a boolean, got a string. | stream_options.include_usage
            {"model":"a","messages":[{}],"max_tokens":1.5}      | 'max_tokens' must be an integer, got a number.                       | max_tokens
            {"model":"a","messages":[{}],"max_completion_tokens":0} | 'max_completion_tokens' must be a positive integer, got 0.        | max_completion_tokens
            {"model":"a","messages":[{}]} {}                    | Request body has unexpected content after the JSON object at line 1, column 31. | NULL
            {"model":"a","messages":[{}],"n":99999999999999999999} | 'n' must be a positive integer, got 99999999999999999999.        | n
            {"model":"a","messages":[{}],"n":2147483648}        | 'n' must be a positive integer, got 2147483648.                      | n
            {"model":"a","messages":[{}],"n":"2"}               | 'n' must be an integer, got a string.                                | n
            {"model":"a","messages":[{}],"temperature":1e400}   | 'temperature' is out of range, got 1e400.                            | temperature
            {"model":"a","messages":[{}],"top_p":-1E400}        | 'top_p' is out of range, got -1E400.                                 | top_p
            """)
    void badInputIsA400WithMessageAndParam(String body, String message, String param) {
        assertThatThrownBy(() -> OpenAiChatScan.scan(Buffer.buffer(body)))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo(message);
                    assertThat(e.param()).isEqualTo(param);
                    assertThat(e.status()).isEqualTo(400);
                });
    }

    @Test
    void malformedJsonSaysWhere() {
        assertThatThrownBy(() -> OpenAiChatScan.scan(Buffer.buffer("{\"model\":\"a\",\n  \"messages\": [}")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.getMessage()).startsWith("Request body is not valid JSON: ").contains("line 2, column 16");
                    assertThat(e.param()).isNull();
                });
        assertThatThrownBy(() -> OpenAiChatScan.scan(Buffer.buffer("{\"model\":\"a\"")))
                .isInstanceOfSatisfying(GatewayException.class, e ->
                        assertThat(e.getMessage()).startsWith("Request body is not valid JSON: ").contains("line 1"));
    }
}
