package dev.gatehouse.provider.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.provider.Excerpt;
import dev.gatehouse.provider.UpstreamException;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseJsonDecoderTest {
    /** Emits a text delta per object's "t"; "END" is its terminator. */
    static final class Toy extends SseJsonDecoder {
        boolean done;

        Toy() {
            super(new ObjectMapper(), "bad chunk: ");
        }

        @Override
        protected boolean ended() {
            return done;
        }

        @Override
        protected boolean control(String data) {
            return done = data.equals("END");
        }

        @Override
        protected void onObject(SseEvent event, JsonNode root) {
            out.accept(new StreamEvent.TextDelta(root.path("t").asText()));
        }
    }

    @Test
    void objectsReachTheDialectAndBlankOrNonObjectDataIsSkipped() {
        Toy toy = new Toy();
        List<StreamEvent> events = new ArrayList<>();
        toy.feed(Buffer.buffer("data: {\"t\":\"a\"}\n\ndata: \n\ndata: [1,2]\n\ndata: {\"t\":"), events::add);
        toy.feed(Buffer.buffer("\"b\"}\n\ndata: END\n\n"), events::add);
        assertThat(toy.end(events::add)).isTrue();
        assertThat(events).containsExactly(new StreamEvent.TextDelta("a"), new StreamEvent.TextDelta("b"));
    }

    @Test
    void dataThatIsNotJsonIsAnUpstreamErrorQuotingAnExcerpt() {
        String junk = "x".repeat(Excerpt.MAX + 100);
        assertThatThrownBy(() -> new Toy().feed(Buffer.buffer("data: " + junk + "\n\n"), e -> {}))
                .isInstanceOf(UpstreamException.class)
                .hasMessageContaining("bad chunk: " + "x".repeat(Excerpt.MAX) + "…")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("x".repeat(Excerpt.MAX + 1)));
        assertThat(new Toy().end(e -> {})).isFalse();
    }
}
