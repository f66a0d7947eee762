package dev.gatehouse.testing;

import java.util.List;

/** Valid requests and upstream streams, the starting points of mutation fuzzing. */
public final class Seeds {
    private Seeds() {}

    public static final List<String> OPENAI_CHAT = List.of(
            """
            {"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""",
            """
            {"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"max_tokens":50,"temperature":0.2,\
            "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"What is this?"},\
            {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}}]}]}""",
            """
            {"model":"gpt-4o-mini","max_completion_tokens":100,"n":1,"top_p":0.9,"stop":["\\n"],"user":"u1","seed":7,\
            "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object",\
            "properties":{"city":{"type":"string"}},"required":["city"]}}}],"tool_choice":"auto","parallel_tool_calls":false,\
            "messages":[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1",\
            "type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},\
            {"role":"tool","tool_call_id":"call_1","content":"18C"}]}""",
            """
            {"model":"gpt-4o-mini","response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object"}}},\
            "reasoning_effort":"low","stream":false,"messages":[{"role":"developer","content":"json"},{"role":"user","name":"ana",\
            "content":"give json"}]}""");

    public static final List<String> ANTHROPIC_MESSAGES = List.of(
            """
            {"model":"gpt-4o-mini","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}""",
            """
            {"model":"gpt-4o-mini","max_tokens":256,"stream":true,"system":[{"type":"text","text":"Be brief.",\
            "cache_control":{"type":"ephemeral"}}],"temperature":0.5,"stop_sequences":["END"],"metadata":{"user_id":"u1"},\
            "messages":[{"role":"user","content":[{"type":"text","text":"Look"},{"type":"image","source":{"type":"base64",\
            "media_type":"image/png","data":"iVBORw0KGgo="}}]}]}""",
            """
            {"model":"gpt-4o-mini","max_tokens":128,"tools":[{"name":"get_weather","description":"Weather","input_schema":\
            {"type":"object","properties":{"city":{"type":"string"}}}}],"tool_choice":{"type":"auto","disable_parallel_tool_use":true},\
            "messages":[{"role":"user","content":"Weather?"},{"role":"assistant","content":[{"type":"text","text":"Checking"},\
            {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},{"role":"user","content":\
            [{"type":"tool_result","tool_use_id":"toolu_1","content":"18C"}]}]}""",
            """
            {"model":"gpt-4o-mini","max_tokens":2048,"thinking":{"type":"enabled","budget_tokens":1024},"system":"Think.",\
            "messages":[{"role":"user","content":"2+2?"},{"role":"assistant","content":[{"type":"thinking","thinking":"4",\
            "signature":"sig"},{"type":"text","text":"4"}]},{"role":"user","content":"sure?"}]}""");

    public static final List<String> EMBEDDINGS = List.of(
            """
            {"model":"text-embedding-3-small","input":"hello"}""",
            """
            {"model":"text-embedding-3-small","input":["a","b","c"],"encoding_format":"float","dimensions":256,"user":"u"}""",
            """
            {"model":"text-embedding-3-small","input":[1,2,3],"encoding_format":"base64"}""",
            """
            {"model":"text-embedding-3-small","input":[[1,2],[3]]}""");

    public static final String OPENAI_STREAM = """
            data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

            data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}

            data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\\"a\\""}}]},"finish_reason":null}]}

            data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]},"finish_reason":"tool_calls"}]}

            data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8,"prompt_tokens_details":{"cached_tokens":1},"completion_tokens_details":{"reasoning_tokens":0}}}

            data: [DONE]

            """;

    public static final String ANTHROPIC_STREAM = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"usage":{"input_tokens":10,"output_tokens":1,"cache_read_input_tokens":2}}}

            event: ping
            data: {"type":"ping"}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hello"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":1}

            event: content_block_start
            data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\":1}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":2}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":7}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    public static final String GEMINI_STREAM = """
            data: {"candidates":[{"content":{"parts":[{"text":"Hel","thought":true},{"text":"lo"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1,"totalTokenCount":4},"modelVersion":"gemini-2.0-flash","responseId":"r1"}

            data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":1}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":5,"totalTokenCount":8,"thoughtsTokenCount":1,"cachedContentTokenCount":1},"modelVersion":"gemini-2.0-flash"}

            """;
}
