package dev.gatehouse.bench;

import dev.gatehouse.pricing.TokenCounter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What counting a prompt with the tokenizer (o200k_base, jtokkit) costs: the reason a translated
 * /v1/messages stream's message_start count and an estimate of Gemini's embeddings usage are
 * made on a worker, not on the event loop. {@code bench/jmh.sh TokenCountBench}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenCountBench {
    @Param({"1024", "32768"})
    int chars;

    String text;

    @Setup
    public void setUp() {
        String sentence = "The quick brown fox jumps over the lazy dog while the gateway counts tokens for every prompt it forwards. ";
        StringBuilder sb = new StringBuilder();
        while (sb.length() < chars) {
            sb.append(sentence);
        }
        text = sb.substring(0, chars);
    }

    @Benchmark
    public int countText() {
        return TokenCounter.text(text);
    }
}
