package dev.gatehouse.bench;

import dev.gatehouse.access.AuthenticateStage;
import dev.gatehouse.access.Authenticator;
import dev.gatehouse.access.MasterKeyAuthenticator;
import dev.gatehouse.api.openai.OpenAiChatScan;
import dev.gatehouse.api.openai.OpenAiStreamUsageScanner;
import dev.gatehouse.call.Principal;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.openai.OpenAiChunkEncoder;
import dev.gatehouse.dialect.openai.OpenAiStreamDecoder;
import dev.gatehouse.dialect.openai.OpenAiUsageReader;
import dev.gatehouse.identity.ApiKeys;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
 * The per-request and per-chunk pieces of the same-format passthrough path. The payloads are the
 * ones the load benchmark sends and the nginx mock answers (bench/run.sh), so ns/op here and CPU
 * per request there can be compared.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class HotPathBench {
    static final String KEY = "gh-bench-master-key-0123456789abcdefghijklmnop";
    static final String REQUEST = "{\"model\":\"bench-fast\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
            + "{\"role\":\"user\",\"content\":\"Say hello to the benchmark in one short sentence, please.\"}],"
            + "\"temperature\":0.2,\"max_tokens\":64,\"stream\":true}";
    static final String COMPLETION = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"Hello! This is a fixed answer from the benchmark mock upstream.\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":12,\"total_tokens\":37}}";
    static final String CHUNK = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word7 \"},"
            + "\"finish_reason\":null}],\"usage\":null}\n\n";
    static final String USAGE_CHUNK = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"bench-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":19,\"total_tokens\":44}}\n\n";

    Buffer request;
    Buffer completion;
    Buffer chunk;
    Buffer usageChunk;
    OpenAiChatScan scan;
    MultiMap headers;
    AuthenticateStage stage;
    MasterKeyAuthenticator master;
    OpenAiStreamUsageScanner scanner;
    OpenAiStreamUsageScanner checkingScanner;
    OpenAiStreamDecoder decoder;
    OpenAiChunkEncoder encoder;
    Consumer<StreamEvent> sink;
    Blackhole hole;

    @Setup
    public void setup(Blackhole bh) {
        hole = bh;
        request = Buffer.buffer(REQUEST);
        completion = Buffer.buffer(COMPLETION);
        chunk = Buffer.buffer(CHUNK);
        usageChunk = Buffer.buffer(USAGE_CHUNK);
        scan = OpenAiChatScan.scan(request);
        headers = MultiMap.caseInsensitiveMultiMap()
                .add("host", "127.0.0.1:8080").add("user-agent", "wrk").add("content-type", "application/json")
                .add("content-length", "210").add("authorization", "Bearer " + KEY);
        master = new MasterKeyAuthenticator(ApiKeys.sha256(KEY));
        List<Authenticator> authenticators = List.of(master);
        stage = new AuthenticateStage(() -> authenticators);
        scanner = new OpenAiStreamUsageScanner(true);
        checkingScanner = new OpenAiStreamUsageScanner(true).checkingLines();
        decoder = new OpenAiStreamDecoder();
        encoder = new OpenAiChunkEncoder("bench-fast", false);
        // Start the encoder's stream so per-chunk numbers are for steady-state deltas.
        decoder.feed(Buffer.buffer(CHUNK), e -> encoder.encode(e));
        sink = e -> hole.consume(encoder.encode(e));
    }

    /** Request parsing and model extraction: the one streaming pass over the caller's body. */
    @Benchmark
    public OpenAiChatScan chatScan() {
        return OpenAiChatScan.scan(request);
    }

    /** Rewriting the model and injecting stream_options.include_usage: the upstream body. */
    @Benchmark
    public Buffer withModelAndUsage() {
        return scan.withModelAndUsage("gpt-4o-mini-2024-07-18");
    }

    /** Both, as the gateway does per streamed request. */
    @Benchmark
    public Buffer chatScanAndRewrite() {
        return OpenAiChatScan.scan(request).withModelAndUsage("gpt-4o-mini-2024-07-18");
    }

    /** Key lookup from the headers: bearer extraction, SHA-256, constant-time compare. */
    @Benchmark
    public Principal authenticateStage() {
        return stage.authenticate(headers);
    }

    @Benchmark
    public Principal masterKeyAuthenticate() {
        return master.authenticate(KEY);
    }

    /** Same-format passthrough, per ordinary content chunk (every chunk of an answer but the last two). */
    @Benchmark
    public Buffer usageScannerFeedContentChunk() {
        return scanner.feed(chunk);
    }

    /** As the passthrough relay runs it: usage scan and the JSON structure check of each line, in one pass. */
    @Benchmark
    public Buffer usageScannerCheckingContentChunk() {
        return checkingScanner.feed(chunk);
    }

    /** Same-format passthrough, the usage-only chunk that is parsed and stripped (once per stream). */
    @Benchmark
    public Buffer usageScannerFeedUsageChunk() {
        return scanner.feed(usageChunk);
    }

    /** Cross-format path, per chunk: SSE parse + JSON decode to canonical events + OpenAI chunk encode. */
    @Benchmark
    public void decodeAndEncodeChunk() {
        decoder.feed(chunk, sink);
    }

    /** Usage record creation from a non-streamed answer. */
    @Benchmark
    public Usage usageReaderRead() {
        return OpenAiUsageReader.read(completion);
    }
}
