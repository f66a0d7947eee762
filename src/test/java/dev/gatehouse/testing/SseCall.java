package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A streamed POST to the gateway, read line by line with the arrival time of every line, so a
 * test can tell chunk-by-chunk delivery from one burst at the end. Every wait is bounded: a
 * stream that stops sending makes {@link #readAll} return with {@code ended == false} instead of
 * hanging the test.
 */
public final class SseCall implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Object END = new Object();

    /** One line as the caller received it, with {@link System#nanoTime()} at arrival. */
    public record Line(long atNanos, String text) {}

    private final HttpResponse<Stream<String>> response;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final List<Line> lines = new ArrayList<>();
    private final long startNanos;
    private boolean ended;

    private SseCall(HttpResponse<Stream<String>> response, long startNanos) {
        this.response = response;
        this.startNanos = startNanos;
        Thread.ofVirtual().start(() -> {
            try {
                Iterator<String> it = response.body().iterator();
                while (it.hasNext()) {
                    queue.add(new Line(System.nanoTime(), it.next()));
                }
            } catch (RuntimeException e) {
                // connection closed (by us or the server): the end of what we will read
            } finally {
                queue.add(END);
            }
        });
    }

    /** POSTs {@code body} over HTTP/1.1 with the harness's master key and returns once the head arrived. */
    public static SseCall post(GatewayHarness gateway, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(gateway.origin() + path))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Sends a prepared request (any server, key and headers) over HTTP/1.1 and returns once the head arrived. */
    public static SseCall send(HttpRequest.Builder prepared) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = prepared.timeout(Duration.ofSeconds(10)).build(); // until the response head
        long start = System.nanoTime();
        try {
            return new SseCall(client.send(request, HttpResponse.BodyHandlers.ofLines()), start);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int status() {
        return response.statusCode();
    }

    public HttpHeaders headers() {
        return response.headers();
    }

    public long startNanos() {
        return startNanos;
    }

    /** The next line, or null when the stream ended or nothing came within {@code wait}. */
    public Line next(Duration wait) throws InterruptedException {
        if (ended) {
            return null;
        }
        Object o = queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (o == END) {
            ended = true;
            return null;
        }
        Line line = (Line) o;
        if (line != null) {
            lines.add(line);
        }
        return line;
    }

    /** The next {@code data:} line, or null. */
    public Line nextData(Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            Line l = next(Duration.ofNanos(left));
            if (l == null) {
                return null;
            }
            if (l.text().startsWith("data:")) {
                return l;
            }
        }
    }

    /** Reads until the server ends the body or {@code max} has passed; returns this. */
    public SseCall readAll(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || next(Duration.ofNanos(left)) == null && !ended) {
                break;
            }
        }
        return this;
    }

    /** Whether the server ended the response body (as opposed to our time running out). */
    public boolean ended() {
        return ended;
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The {@code data:} lines read so far, payload only. */
    public List<Line> dataLines() {
        List<Line> out = new ArrayList<>();
        for (Line l : lines) {
            if (l.text().startsWith("data:")) {
                out.add(new Line(l.atNanos(), l.text().substring(5).strip()));
            }
        }
        return out;
    }

    /** The data payloads parsed as JSON, skipping {@code [DONE]}; a payload that is not JSON fails the test. */
    public List<JsonNode> events() {
        List<JsonNode> out = new ArrayList<>();
        for (Line l : dataLines()) {
            if (!l.text().equals("[DONE]")) {
                try {
                    out.add(JSON.readTree(l.text()));
                } catch (IOException e) {
                    throw new AssertionError("the caller received a data line that is not JSON: " + l.text(), e);
                }
            }
        }
        return out;
    }

    /** The text of every content delta of an OpenAI chat stream read so far, joined. */
    public String chatContent() {
        StringBuilder text = new StringBuilder();
        for (JsonNode event : events()) {
            JsonNode choices = event.path("choices");
            if (choices.size() > 0) {
                text.append(choices.get(0).path("delta").path("content").asText(""));
            }
        }
        return text.toString();
    }

    public String text() {
        StringBuilder sb = new StringBuilder();
        for (Line l : lines) {
            sb.append(l.text()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        response.body().close();
    }
}
