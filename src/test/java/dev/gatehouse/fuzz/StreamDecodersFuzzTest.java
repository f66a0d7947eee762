package dev.gatehouse.fuzz;

import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.dialect.anthropic.AnthropicWireCodec;
import dev.gatehouse.dialect.gemini.GeminiWireCodec;
import dev.gatehouse.dialect.openai.OpenAiWireCodec;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.testing.Fuzz;
import dev.gatehouse.testing.Mutator;
import dev.gatehouse.testing.Seeds;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A hostile upstream: valid streams, mutated, then split at random chunk boundaries, into each
 * dialect's stream decoder. Only canonical events come out, or an {@link UpstreamException} (a
 * clean upstream error); never an NPE, ClassCastException, IndexOutOfBounds or the like.
 */
class StreamDecodersFuzzTest {
    private static final Duration BOUND = Duration.ofSeconds(5);

    @Test
    void openAiStream() {
        fuzz("OpenAI stream", Seeds.OPENAI_STREAM, () -> new OpenAiWireCodec().streamDecoder());
    }

    @Test
    void anthropicStream() {
        fuzz("Anthropic stream", Seeds.ANTHROPIC_STREAM, () -> new AnthropicWireCodec().streamDecoder());
    }

    @Test
    void geminiStream() {
        fuzz("Gemini stream", Seeds.GEMINI_STREAM, () -> new GeminiWireCodec().streamDecoder());
    }

    private static void fuzz(String target, String stream, Supplier<StreamDecoder> decoders) {
        byte[] seed = stream.getBytes(StandardCharsets.UTF_8);
        // The seed itself decodes to a whole answer: the mutations start from something the decoder understands.
        List<StreamEvent> events = new ArrayList<>();
        StreamDecoder plain = decoders.get();
        plain.feed(Buffer.buffer(seed), events::add);
        if (!plain.end(events::add) || events.size() < 4) {
            throw new AssertionError(target + ": the seed stream did not decode whole: " + events);
        }
        Fuzz.run(target, Fuzz.tries(4), BOUND, c -> {
            byte[] body = c.input(mutateStream(seed, c));
            StreamDecoder decoder = decoders.get();
            try {
                for (byte[] chunk : Mutator.chunks(body, c.random())) {
                    decoder.feed(Buffer.buffer(chunk), StreamDecodersFuzzTest::canonical);
                }
                decoder.end(StreamDecodersFuzzTest::canonical);
            } catch (UpstreamException expected) {
                if (expected.error() == null) {
                    throw new AssertionError("an UpstreamException without an error", expected);
                }
            }
        });
    }

    /** Mutates the bytes of one event's JSON (structure-aware) or of the stream as a whole. */
    private static byte[] mutateStream(byte[] seed, Fuzz.Case c) {
        String text = new String(seed, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        int ops = 1 + c.random().nextInt(3);
        for (int op = 0; op < ops; op++) {
            int i = c.random().nextInt(lines.length);
            int j = c.random().nextInt(lines.length);
            switch (c.random().nextInt(5)) {
                case 0 -> lines[i] = ""; // an event lost
                case 1 -> lines[i] = lines[i] + "\n\n" + lines[j]; // an event repeated out of order
                case 2 -> { // events swapped
                    String t = lines[i];
                    lines[i] = lines[j];
                    lines[j] = t;
                }
                default -> {
                    if (lines[i].startsWith("data: {")) {
                        byte[] json = lines[i].substring(6).getBytes(StandardCharsets.UTF_8);
                        lines[i] = "data: " + new String(Mutator.mutateJson(json, c.random()), StandardCharsets.UTF_8).replace("\n", "");
                    }
                }
            }
        }
        byte[] out = String.join(c.random().nextInt(4) == 0 ? "\r\n" : "\n", lines).getBytes(StandardCharsets.UTF_8);
        if (c.random().nextBoolean()) {
            out = Mutator.mutateBytes(out, c.random());
        }
        return out;
    }

    private static void canonical(StreamEvent event) {
        if (event == null) {
            throw new AssertionError("a null event");
        }
    }
}
