package dev.gatehouse.conformance;

import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Time to first token, through the gateway vs directly from the fake upstream, for every caller ×
 * upstream path. A measurement for {@code docs/compatibility.md}, never an assertion: the machines
 * are shared and timing is noisy.
 */
final class TtftProbe {
    static final long HEAD_DELAY_MS = 30;
    private static final String ANSWER = "Tock tick tock.";
    private static final String MARKER = "Tock";
    private static final int WARMUP = 3;

    record Row(String caller, String upstream, double directMs, double gatewayMs, int runs) {}

    private TtftProbe() {
    }

    static List<Row> measure(GatewayHarness gateway, FakeOpenAi openAi, FakeAnthropic anthropic, FakeGemini gemini, int runs)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        Duration delay = Duration.ofMillis(HEAD_DELAY_MS);
        openAi.reset();
        openAi.answer(ANSWER).headDelay(delay).chunkDelay(Duration.ofMillis(1));
        anthropic.reset();
        anthropic.answer(ANSWER).headDelay(delay);
        gemini.answer(ANSWER).headDelay(delay);
        try {
            String user = "[{\"role\":\"user\",\"content\":\"Hi\"}]";
            HttpRequest.Builder directOpenAi = HttpRequest.newBuilder(URI.create(openAi.baseUrl() + "/chat/completions"))
                    .header("authorization", "Bearer " + FakeOpenAi.DEFAULT_KEY).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":" + user + "}"));
            HttpRequest.Builder directAnthropic = HttpRequest.newBuilder(URI.create(anthropic.baseUrl() + "/v1/messages"))
                    .header("x-api-key", FakeAnthropic.DEFAULT_KEY).header("anthropic-version", "2023-06-01")
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":true,\"messages\":" + user + "}"));
            HttpRequest.Builder directGemini = HttpRequest.newBuilder(URI.create(gemini.baseUrl() + "/models/gemini-2.5-flash:streamGenerateContent?alt=sse"))
                    .header("x-goog-api-key", FakeGemini.DEFAULT_KEY).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"}]}]}"));
            double[] direct = {
                    median(http, directOpenAi, runs), median(http, directAnthropic, runs), median(http, directGemini, runs)};
            String[] upstreams = {"openai", "anthropic", "gemini"};
            List<Row> rows = new ArrayList<>();
            for (String caller : List.of("openai", "anthropic")) {
                for (int u = 0; u < upstreams.length; u++) {
                    String model = "m-" + upstreams[u];
                    HttpRequest.Builder viaGateway = caller.equals("openai")
                            ? HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
                                    .header("authorization", "Bearer " + GatewayHarness.MASTER_KEY).header("content-type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                                            + "\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":" + user + "}"))
                            : HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/messages"))
                                    .header("x-api-key", GatewayHarness.MASTER_KEY).header("anthropic-version", "2023-06-01")
                                    .header("content-type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                                            + "\",\"max_tokens\":64,\"stream\":true,\"messages\":" + user + "}"));
                    rows.add(new Row(caller, upstreams[u], direct[u], median(http, viaGateway, runs), runs));
                }
            }
            return rows;
        } finally {
            openAi.reset();
            anthropic.reset();
            gemini.headDelay(Duration.ZERO);
        }
    }

    private static double median(HttpClient http, HttpRequest.Builder request, int runs) throws Exception {
        double[] ms = new double[runs];
        for (int i = -WARMUP; i < runs; i++) {
            double t = firstToken(http, request.build());
            if (i >= 0) ms[i] = t;
        }
        Arrays.sort(ms);
        return runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
    }

    /** Milliseconds from sending until a line carrying the first answer word arrives; the rest of the stream is drained. */
    private static double firstToken(HttpClient http, HttpRequest request) throws Exception {
        long start = System.nanoTime();
        HttpResponse<InputStream> res = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (res.statusCode() != 200) {
            throw new IllegalStateException(request.uri() + " answered " + res.statusCode() + ": " + new String(res.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        long first = -1;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (first < 0 && line.startsWith("data:") && line.contains(MARKER)) first = System.nanoTime();
            }
        }
        if (first < 0) throw new IllegalStateException(request.uri() + ": the stream never carried '" + MARKER + "'");
        return (first - start) / 1e6;
    }
}
