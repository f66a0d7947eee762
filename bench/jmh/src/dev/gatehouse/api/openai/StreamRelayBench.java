package dev.gatehouse.api.openai;

import dev.gatehouse.api.TranslatingRelay;
import dev.gatehouse.dialect.anthropic.AnthropicStreamDecoder;
import dev.gatehouse.dialect.openai.OpenAiChunkEncoder;
import dev.gatehouse.dialect.openai.OpenAiStreamDecoder;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The whole per-stream relay work of one streamed answer, as the executor runs it for every
 * upstream chunk and at the end: a new relay, every chunk through {@code relay()}, then
 * {@code end()}. The stream is the load benchmark's (bench/run.sh: 20 content chunks, the usage
 * chunk, {@code [DONE]}; 3.9 KB), delivered either in one piece (nginx's static file: one read) or
 * one HTTP chunk per SSE event (how providers and the slow mock send it). One op = one stream.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class StreamRelayBench {
    static final String[] OPENAI_EVENTS = openAiEvents();
    static final String[] ANTHROPIC_EVENTS = anthropicEvents();

    Buffer openAiWhole;
    Buffer[] openAiChunks;
    Buffer anthropicWhole;
    Buffer[] anthropicChunks;

    @Setup
    public void setup() {
        openAiWhole = Buffer.buffer(String.join("", OPENAI_EVENTS));
        openAiChunks = buffers(OPENAI_EVENTS);
        anthropicWhole = Buffer.buffer(String.join("", ANTHROPIC_EVENTS));
        anthropicChunks = buffers(ANTHROPIC_EVENTS);
    }

    /** Same format, the caller did not ask for usage (the gateway strips the usage chunk it injected), one read. */
    @Benchmark
    public void passthroughWhole(Blackhole bh) {
        relayAll(passthrough(), new Buffer[] {openAiWhole}, bh);
    }

    /** The same, one upstream chunk per SSE event. */
    @Benchmark
    public void passthroughPerEvent(Blackhole bh) {
        relayAll(passthrough(), openAiChunks, bh);
    }

    /** OpenAI upstream decoded to canonical events and encoded again (the path taken with an output guardrail), per event. */
    @Benchmark
    public void translatedOpenAiPerEvent(Blackhole bh) {
        relayAll(new TranslatingRelay(new OpenAiStreamDecoder(), new OpenAiChunkEncoder("bench-fast", false)), openAiChunks, bh);
    }

    /** An Anthropic upstream to an OpenAI-format caller, per event. */
    @Benchmark
    public void translatedAnthropicPerEvent(Blackhole bh) {
        relayAll(new TranslatingRelay(new AnthropicStreamDecoder(), new OpenAiChunkEncoder("bench-fast", false)), anthropicChunks, bh);
    }

    private static OpenAiChatCaller.PassthroughRelay passthrough() {
        return new OpenAiChatCaller.PassthroughRelay(new OpenAiStreamUsageScanner(true).checkingLines(), null, false);
    }

    private static void relayAll(dev.gatehouse.gateway.CallerFormat.StreamRelay relay, Buffer[] chunks, Blackhole bh) {
        for (Buffer chunk : chunks) {
            bh.consume(relay.relay(chunk));
        }
        bh.consume(relay.end());
        bh.consume(relay.usage());
        if (!relay.complete()) {
            throw new IllegalStateException("the stream did not complete");
        }
    }

    private static Buffer[] buffers(String[] events) {
        Buffer[] out = new Buffer[events.length];
        for (int i = 0; i < events.length; i++) {
            out[i] = Buffer.buffer(events[i]);
        }
        return out;
    }

    /** bench/run.sh's stream.sse, event by event. */
    static String[] openAiEvents() {
        String[] e = new String[22];
        for (int i = 0; i < 20; i++) {
            String content = i == 19 ? "" : "word" + i + " ";
            String finish = i == 19 ? "\"stop\"" : "null";
            e[i] = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                    + "\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content + "\"},"
                    + "\"finish_reason\":" + finish + "}],\"usage\":null}\n\n";
        }
        e[20] = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"bench-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":19,\"total_tokens\":44}}\n\n";
        e[21] = "data: [DONE]\n\n";
        return e;
    }

    /** The same answer as Anthropic's Messages API streams it (docs.anthropic.com, "Streaming Messages"). */
    static String[] anthropicEvents() {
        String[] e = new String[24];
        e[0] = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01BenchFixedAnswer000000000\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5-20250929\","
                + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n";
        e[1] = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
        for (int i = 0; i < 19; i++) {
            e[2 + i] = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"word" + i + " \"}}\n\n";
        }
        e[21] = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
        e[22] = "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                + "\"usage\":{\"output_tokens\":19}}\n\n";
        e[23] = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        return e;
    }
}
