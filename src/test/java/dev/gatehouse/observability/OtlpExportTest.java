package dev.gatehouse.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.config.ObservabilityConfig;
import dev.gatehouse.pricing.Pricing;
import dev.gatehouse.pricing.Settler;
import io.vertx.core.MultiMap;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The production exporter really sends the spans to a collector over OTLP/HTTP. */
class OtlpExportTest {

    @Test
    void spansReachTheCollectorWhenTheGatewayStops() throws Exception {
        List<String> paths = new CopyOnWriteArrayList<>();
        List<byte[]> bodies = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getPath());
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            exchange.getRequestBody().transferTo(body);
            bodies.add(body.toByteArray());
            exchange.getResponseHeaders().add("content-type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        try {
            String endpoint = "http://127.0.0.1:" + collector.getAddress().getPort();
            Tracing tracing = Tracing.otlp(new ObservabilityConfig(true, true, endpoint, "gatehouse-test", "text"));
            Call call = new Call("req_1", Endpoint.CHAT_COMPLETIONS, MultiMap.caseInsensitiveMultiMap(), System.nanoTime());
            tracing.start(call);
            call.model("claude-public");
            String traceparent = call.trace().attemptStarted("anthropic-eu", "claude-sonnet-4-5");
            assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]"); // sampled; 03 adds W3C level 2 random-id
            call.addAttempt(new Call.Attempt("anthropic-eu", "claude-sonnet-4-5", 200, null, 1_000_000));
            call.usage(Usage.of(21, 8));
            call.settle(Settler.reported(Pricing.shipped(), call));
            tracing.completed(call, null);
            tracing.close(); // flushes the batch
        } finally {
            collector.stop(0);
        }
        assertThat(paths).contains("/v1/traces");
        String payload = new String(bodies.get(0), StandardCharsets.ISO_8859_1);
        assertThat(payload).contains("gatehouse-test").contains("gen_ai.request.model").contains("claude-public")
                .contains("gen_ai.response.model").contains("claude-sonnet-4-5").contains("gen_ai.usage.input_tokens");
    }

    @Test
    void endpointGetsTheTracesPathOnce() {
        assertThat(Tracing.tracesUrl("http://c:4318")).isEqualTo("http://c:4318/v1/traces");
        assertThat(Tracing.tracesUrl("http://c:4318/")).isEqualTo("http://c:4318/v1/traces");
        assertThat(Tracing.tracesUrl("https://c/otlp/v1/traces")).isEqualTo("https://c/otlp/v1/traces");
    }
}
