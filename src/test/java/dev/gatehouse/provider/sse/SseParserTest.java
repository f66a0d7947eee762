package dev.gatehouse.provider.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

    private static List<SseEvent> parse(String... chunks) {
        SseParser p = new SseParser();
        List<SseEvent> out = new ArrayList<>();
        for (String c : chunks) {
            p.feed(Buffer.buffer(c), out::add);
        }
        p.end(out::add);
        return out;
    }

    @Test
    void lfCrlfAndCrLineEndingsAllWork() {
        List<SseEvent> expected = List.of(new SseEvent("message", "a"), new SseEvent("ping", "b"));
        assertThat(parse("data: a\n\nevent: ping\ndata: b\n\n")).isEqualTo(expected);
        assertThat(parse("data: a\r\n\r\nevent: ping\r\ndata: b\r\n\r\n")).isEqualTo(expected);
        assertThat(parse("data: a\r\revent: ping\rdata: b\r\r")).isEqualTo(expected);
    }

    @Test
    void crlfSplitAcrossChunksIsOneLineEnding() {
        assertThat(parse("data: a\r", "\n\r", "\ndata: b\r\n", "\r\n"))
                .containsExactly(new SseEvent("message", "a"), new SseEvent("message", "b"));
    }

    @Test
    void multiLineDataJoinsWithNewlineAndCommentsAreIgnored() {
        assertThat(parse(": keep-alive\ndata: first\ndata:second\n: mid comment\ndata:  third\n\n"))
                .containsExactly(new SseEvent("message", "first\nsecond\n third"));
    }

    @Test
    void fieldWithoutColonAndEventWithoutDataAreHandledPerSpec() {
        // "data" alone is an empty data line; an event with only "event:" is not dispatched.
        assertThat(parse("event: lonely\n\ndata\n\n")).containsExactly(new SseEvent("message", ""));
    }

    @Test
    void unterminatedFinalEventIsDropped() {
        SseParser p = new SseParser();
        List<SseEvent> out = new ArrayList<>();
        p.feed(Buffer.buffer("data: done\n\ndata: partial"), out::add);
        assertThat(p.end(out::add)).isTrue();
        assertThat(out).containsExactly(new SseEvent("message", "done"));
    }

    @Test
    void splitAtEveryBytePositionIncludingInsideUtf8() {
        String stream = "\uFEFFevent: delta\r\ndata: {\"t\":\"héllo ✓ 😀\"}\r\n\r\nid: 7\ndata: x\n\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        List<SseEvent> whole = parse(stream);
        assertThat(whole).containsExactly(new SseEvent("delta", "{\"t\":\"héllo ✓ 😀\"}"), new SseEvent("message", "x"));
        for (int i = 0; i <= bytes.length; i++) {
            for (int j = i; j <= bytes.length; j += 3) {
                SseParser p = new SseParser();
                List<SseEvent> out = new ArrayList<>();
                p.feed(Buffer.buffer().appendBytes(bytes, 0, i), out::add);
                p.feed(Buffer.buffer().appendBytes(bytes, i, j - i), out::add);
                p.feed(Buffer.buffer().appendBytes(bytes, j, bytes.length - j), out::add);
                p.end(out::add);
                assertThat(out).as("split at %d,%d", i, j).isEqualTo(whole);
                assertThat(p.lastEventId()).isEqualTo("7");
            }
        }
    }
}
