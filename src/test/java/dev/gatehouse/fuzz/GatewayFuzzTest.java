package dev.gatehouse.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.Fuzz;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.Mutator;
import dev.gatehouse.testing.Seeds;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile bodies and query parameters through a running gateway (mock provider): the caller
 * endpoints answer 2xx or 4xx in the caller's error shape, the admin API never answers 5xx, and
 * the gateway still answers {@code /health} afterwards.
 */
class GatewayFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration BOUND = Duration.ofSeconds(20);
    static GatewayHarness gateway;
    static AdminClient admin;
    static final List<String[]> ADMIN_TARGETS = new ArrayList<>(); // {method, path, seed body}

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start(GatewayHarness.mockConfig());
        admin = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String team = admin.ok("POST", "/teams", "{\"name\":\"eng\"}").text("id");
        String user = admin.ok("POST", "/users", "{\"name\":\"ana\",\"email\":\"ana@example.com\",\"team_id\":\"" + team + "\"}").text("id");
        String key = admin.ok("POST", "/keys", "{\"owner_id\":\"" + team + "\",\"name\":\"ci\",\"expires_in\":3600}").text("id");
        String policy = admin.ok("POST", "/policies", "{\"name\":\"p1\",\"max_tokens\":1000,\"models\":[\"gpt-*\"]}").text("id");
        String budget = admin.ok("POST", "/budgets", "{\"scope\":\"team\",\"subject\":\"" + team
                + "\",\"period\":\"month\",\"limit_usd\":\"500.00\",\"name\":\"monthly\"}").text("id");
        String limit = admin.ok("POST", "/rate-limits", "{\"scope\":\"team\",\"subject\":\"" + team
                + "\",\"rpm\":100000,\"tpm\":100000000,\"concurrent\":1000}").text("id");
        ADMIN_TARGETS.addAll(List.of(
                new String[] {"POST", "/teams", "{\"name\":\"t\",\"description\":\"d\"}"},
                new String[] {"PATCH", "/teams/" + team, "{\"description\":\"d\"}"},
                new String[] {"POST", "/users", "{\"name\":\"u\",\"email\":\"u@example.com\",\"role\":\"member\",\"team_id\":\"" + team + "\"}"},
                new String[] {"PATCH", "/users/" + user, "{\"role\":\"admin\",\"email\":\"b@example.com\"}"},
                new String[] {"POST", "/keys", "{\"owner_id\":\"" + team + "\",\"name\":\"k\",\"expires_in\":3600,\"models\":[\"gpt-4o-mini\"]}"},
                new String[] {"POST", "/keys", "{\"owner_id\":\"" + user + "\",\"expires_at\":\"2030-01-01T00:00:00Z\"}"},
                new String[] {"POST", "/keys/" + key + "/rotate", "{\"grace\":\"1h\"}"},
                new String[] {"PATCH", "/keys/" + key, "{\"name\":\"k2\"}"},
                new String[] {"POST", "/policies", "{\"name\":\"p\",\"max_tokens\":10,\"models\":[\"gpt-*\"],\"providers\":[\"mock\"]}"},
                new String[] {"PATCH", "/policies/" + policy, "{\"max_tokens\":1000}"},
                new String[] {"POST", "/policies/" + policy + "/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"" + team + "\"}"},
                new String[] {"POST", "/budgets", "{\"scope\":\"team\",\"subject\":\"" + team
                        + "\",\"period\":\"month\",\"limit_usd\":\"5.00\",\"name\":\"b\"}"},
                new String[] {"PATCH", "/budgets/" + budget, "{\"limit_usd\":\"10.00\"}"},
                new String[] {"POST", "/rate-limits", "{\"scope\":\"team\",\"subject\":\"" + team + "\",\"rpm\":600,\"tpm\":200000}"},
                new String[] {"PATCH", "/rate-limits/" + limit, "{\"rpm\":1200}"},
                new String[] {"POST", "/service-accounts", "{\"name\":\"bot\",\"team_id\":\"" + team + "\"}"}));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void openAiChat() {
        callerEndpoint("/v1/chat/completions", Seeds.OPENAI_CHAT, false);
    }

    @Test
    void anthropicMessages() {
        callerEndpoint("/v1/messages", Seeds.ANTHROPIC_MESSAGES, true);
    }

    @Test
    void anthropicCountTokens() {
        callerEndpoint("/v1/messages/count_tokens", Seeds.ANTHROPIC_MESSAGES, true);
    }

    @Test
    void embeddings() {
        callerEndpoint("/v1/embeddings", Seeds.EMBEDDINGS, false);
    }

    private static void callerEndpoint(String path, List<String> seeds, boolean anthropic) {
        long[] most = {0};
        // One legal call first: what the first call of a JVM loads once (the tokenizer's tables
        // are some 80 MB) is not what a case costs, and a replayed case runs alone.
        post(path, seeds.get(0).getBytes(StandardCharsets.UTF_8));
        Fuzz.run(path, Fuzz.tries(0.5), BOUND, c -> {
            byte[] body = c.input(Mutator.mutate(seeds.get(c.random().nextInt(seeds.size())).getBytes(StandardCharsets.UTF_8),
                    c.random()));
            long before = THREADS.getTotalThreadAllocatedBytes();
            HttpResponse<String> r = post(path, body);
            long allocated = THREADS.getTotalThreadAllocatedBytes() - before;
            most[0] = Math.max(most[0], allocated);
            checkCallerAnswer(r, anthropic);
            // The bound follows what went in and what came out: an embeddings request of 5,000 one-letter
            // inputs is 22 KB, yet its answer (5,000 vectors) is rightly megabytes.
            long answered = r.body() == null ? 0 : r.body().length();
            if (allocated > allocationBound(body.length + answered)) {
                throw new AssertionError("the case allocated " + (allocated >> 10) + " KiB on the heap for a " + body.length
                        + "-byte body and a " + answered + "-character answer (bound "
                        + (allocationBound(body.length + answered) >> 10) + " KiB): an amplification?");
            }
        });
        System.out.printf("fuzz %s: at most %d KiB allocated per case (all threads)%n", path, most[0] >> 10);
        assertThat(gateway.get("/health/ready").statusCode()).isEqualTo(200);
    }

    /**
     * Heap allocated by every thread of this JVM (the gateway, its fakes and the test's client)
     * while one case ran, measured with HotSpot's per-thread allocation counters.
     */
    static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static {
        if (!THREADS.isThreadAllocatedMemorySupported() || !THREADS.isThreadAllocatedMemoryEnabled()) {
            throw new IllegalStateException("this JVM does not count allocated bytes per thread; the fuzz memory bound needs it");
        }
    }

    /**
     * What one case may allocate: a fixed allowance for the call's own machinery (routing, the mock's
     * answer, the request log, the HTTP client; a few MiB at most in practice) plus a multiple of
     * the body (decoding, re-encoding and logging each copy it a few times). A parser that blew a
     * small hostile body up (nesting, repetition) would cross it by orders of magnitude.
     */
    static long allocationBound(long bodyBytes) {
        return (64L << 20) + 64L * bodyBytes;
    }

    /**
     * Hostile shapes with a known answer: a clear 400 (or 200 where the request is legal). An
     * out-of-range {@code n} used to reach the upstream on the OpenAI fast path.
     */
    @Test
    void hostileShapes() {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        String many = "{\"role\":\"user\",\"content\":\"hi\"},".repeat(5000);
        many = "[" + many.substring(0, many.length() - 1) + "]";
        String[][] cases = {
            // {path, body, allowed statuses}
            {"/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":" + deep + "}]}", "400"},
            {"/v1/messages", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":" + deep + "}]}", "400"},
            {"/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":" + deep + "}", "400"},
            {"/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":" + many + "}", "200"},
            {"/v1/messages", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,\"messages\":" + many + "}", "200 400"},
            {"/v1/messages/count_tokens", "{\"model\":\"gpt-4o-mini\",\"messages\":" + many + "}", "200 400"},
            {"/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
                    + "x".repeat(3_000_000) + "\"}]}", "200 413"},
            {"/v1/chat/completions", "{\"model\":\"" + "m".repeat(100_000) + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "400 404"},
            {"/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1e400,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "400"},
            {"/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":-0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "400"},
            {"/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":99999999999999999999,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "400"},
            {"/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"n\":99999999999999999999,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "400"},
            {"/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"n\":2147483648,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "400"},
            {"/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"temperature\":1e400,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "400"},
            {"/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"temperature\":-0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "200"},
            {"/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"temperature\":-1e400,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "400"},
            {"/v1/messages", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1e400,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "400"},
            {"/v1/messages", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":99999999999999999999,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "400"},
            {"/v1/messages", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,\"temperature\":1e400,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "400"},
            {"/v1/messages", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":-0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "400"},
            {"/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"a\",\"dimensions\":1e400}", "400"},
            {"/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[99999999999999999999]}", "400"},
            // 69 million dimensions once made the built-in provider compute 800 MB of vectors on the event loop.
            {"/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"],\"dimensions\":69246094}", "400"},
            {"/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[" + "\"a\",".repeat(2047)
                    + "\"a\"],\"dimensions\":65536}", "400"},
            {"/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"\\ud800\\u0000\"}]}", "200 400"},
            {"/v1/messages", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"\\udfff\"}]}", "200 400"},
        };
        List<String> wrong = new ArrayList<>();
        for (String[] c : cases) {
            HttpResponse<String> r = post(c[0], c[1].getBytes(StandardCharsets.UTF_8));
            String what = c[0] + " " + c[1].substring(0, Math.min(120, c[1].length())) + " answered " + r.statusCode() + " "
                    + r.body().substring(0, Math.min(200, r.body().length()));
            if (!List.of(c[2].split(" ")).contains(String.valueOf(r.statusCode()))) {
                wrong.add(what + " (expected " + c[2] + ")");
                continue;
            }
            try {
                checkCallerAnswer(r, c[0].startsWith("/v1/messages"));
            } catch (AssertionError e) {
                wrong.add(what + ": " + e.getMessage());
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(gateway.get("/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void adminBodies() {
        Fuzz.run("admin bodies", Fuzz.tries(0.5), BOUND, c -> {
            String[] target = ADMIN_TARGETS.get(c.random().nextInt(ADMIN_TARGETS.size()));
            String body = new String(c.input(Mutator.mutate(target[2].getBytes(StandardCharsets.UTF_8), c.random())),
                    StandardCharsets.UTF_8);
            AdminClient.Reply r = admin.send(target[0], target[1], body);
            if (r.status() >= 500) {
                throw new AssertionError(target[0] + " " + target[1] + " answered " + r.status() + ": " + r.body());
            }
        });
        assertThat(gateway.get("/health/ready").statusCode()).isEqualTo(200);
    }

    static final String[] QUERY_PATHS = {"/usage/summary", "/usage/requests", "/usage/latency", "/teams", "/users", "/keys",
        "/policies", "/budgets", "/rate-limits", "/service-accounts"};
    static final String[] QUERY_NAMES = {"from", "to", "bucket", "group_by", "order_by", "tag", "team_id", "user_id", "top",
        "format", "limit", "cursor", "model"};
    static final String[] QUERY_VALUES = {"2026-01-01T00:00:00Z", "2026-01-01", "-999999999-01-01T00:00:00Z",
        "+999999999-12-31T23:59:59Z", "99999999999999999999", "-1", "0", "1e400", "NaN", "day", "hour", "minute", "team",
        "tag:campaign", "tag:", "model", "json", "csv", "", "\u0000", "\ud800", "%", "'; drop table requests; --", "a=b",
        "x".repeat(3_000), "1700000000", "-9223372036854775808", "9223372036854775807", "P1D", "*"};

    @Test
    void adminQueries() {
        Fuzz.run("admin queries", Fuzz.tries(0.5), BOUND, c -> {
            Random r = c.random();
            StringBuilder path = new StringBuilder(QUERY_PATHS[r.nextInt(QUERY_PATHS.length)]);
            if (r.nextInt(8) == 0) {
                String id = value(r);
                path.append('/').append(URLEncoder.encode(id.substring(0, Math.min(id.length(), 300)), StandardCharsets.UTF_8));
            }
            int params = r.nextInt(5);
            for (int i = 0; i < params; i++) {
                String param = QUERY_NAMES[r.nextInt(QUERY_NAMES.length)] + "=" + URLEncoder.encode(value(r), StandardCharsets.UTF_8);
                // Request lines over the HTTP codec's limit are refused before any parser (a 414, tested with the codec).
                if (path.length() + param.length() < 3500) {
                    path.append(path.indexOf("?") < 0 ? '?' : '&').append(param);
                }
            }
            AdminClient.Reply reply = admin.get(c.input(path.toString()));
            if (reply.status() >= 500) {
                throw new AssertionError("GET " + path + " answered " + reply.status() + ": " + reply.body());
            }
        });
        assertThat(gateway.get("/health/ready").statusCode()).isEqualTo(200);
    }

    private static String value(Random r) {
        String v = QUERY_VALUES[r.nextInt(QUERY_VALUES.length)];
        return r.nextInt(3) == 0 ? Mutator.mutate(v, r) : v;
    }

    static HttpResponse<String> post(String path, byte[] body) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + path))
                .header("Authorization", "Bearer " + GatewayHarness.MASTER_KEY)
                .header("x-api-key", GatewayHarness.MASTER_KEY)
                .header("anthropic-version", "2023-06-01")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** 2xx, or a 4xx whose body is the caller's error shape with a message in the caller's terms. */
    static void checkCallerAnswer(HttpResponse<String> r, boolean anthropic) {
        int status = r.statusCode();
        if (status >= 200 && status < 300) {
            return;
        }
        if (status < 400 || status >= 500) {
            throw new AssertionError("answered " + status + ": " + r.body());
        }
        JsonNode body;
        try {
            body = JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("a " + status + " whose body is not JSON: " + r.body());
        }
        JsonNode error = body.path("error");
        boolean shaped = anthropic
                ? body.path("type").asText().equals("error") && error.path("type").isTextual() && error.path("message").isTextual()
                : error.path("message").isTextual() && error.path("type").isTextual();
        if (!shaped) {
            throw new AssertionError("a " + status + " not in the " + (anthropic ? "Anthropic" : "OpenAI") + " error shape: " + r.body());
        }
        String message = error.path("message").asText();
        if (message.isBlank() || message.contains("com.fasterxml") || message.contains("StreamReadConstraints")
                || message.contains("Exception")) {
            throw new AssertionError("a " + status + " whose message is not in the caller's terms: " + message);
        }
    }
}
