package dev.gatehouse.guardrails;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallContent;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.OutputFilter;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.GatehouseConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The input guardrail stage on a chat request with a 2 KB prompt, as the gateway runs it: the
 * request's texts read from the body, the PII detector (mask) and the secret detector (block), and
 * for a prompt with findings the masking and the body's rewrite. {@code none} is the stage with no
 * guardrail configured (what every call pays today). One op = one call through the stage.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class GuardrailsBench {
    static final String MODELS = """
            providers:
              m: {kind: mock}
            models:
              chat: {targets: [{provider: m}]}
            """;
    static final String GUARDRAILS = """
            guardrails:
              pii: {type: pii, action: mask, restore: true}
              secrets: {type: secrets, action: block}
            """;
    /** About 2 KB of ordinary prose, the kind of prompt a support tool sends. */
    static final String PROSE = ("Our customer wrote in about the renewal of the annual plan. They would like to move from the"
            + " team tier to the business tier at the start of next quarter, keep their current seats, and add the audit"
            + " features. Please draft a short, friendly answer that explains the price difference, the date the change"
            + " takes effect, and what happens to the unused part of the current term. ").repeat(6);

    Vertx vertx;
    GuardrailsStage none;
    GuardrailsStage piiAndSecrets;
    Buffer clean;
    Buffer personal;

    /** The caller format's side of the stage: the body, replaceable. */
    static final class Content implements CallContent {
        Buffer body;

        Content(Buffer body) {
            this.body = body;
        }

        @Override
        public Buffer body() {
            return body;
        }

        @Override
        public void replaceBody(Buffer body) {
            this.body = body;
        }

        @Override
        public void filterOutput(OutputFilter filter) {}
    }

    @Setup
    public void setup() {
        vertx = Vertx.vertx();
        GatehouseConfig off = ConfigLoader.parse(MODELS, Path.of("bench.yaml"));
        GatehouseConfig on = ConfigLoader.parse(MODELS + GUARDRAILS, Path.of("bench.yaml"));
        RemoteChecks remotes = new RemoteChecks(vertx);
        none = new GuardrailsStage(new Guardrails(vertx, () -> off, remotes));
        piiAndSecrets = new GuardrailsStage(new Guardrails(vertx, () -> on, remotes));
        clean = body(PROSE);
        personal = body(PROSE.substring(0, 1900) + " Reach me at jane.doe@example.com, card 4111 1111 1111 1111.");
    }

    static Buffer body(String prompt) {
        return Buffer.buffer("{\"model\":\"chat\",\"messages\":[{\"role\":\"system\",\"content\":\"You answer customers.\"},"
                + "{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}");
    }

    static Call call(Buffer body) {
        Call call = new Call("bench", Endpoint.CHAT_COMPLETIONS, MultiMap.caseInsensitiveMultiMap(), System.nanoTime());
        call.model("chat");
        call.content(new Content(body));
        return call;
    }

    @TearDown
    public void tearDown() {
        vertx.close().await();
    }

    @Benchmark
    public Future<Void> none() {
        return none.apply(call(clean));
    }

    @Benchmark
    public Future<Void> piiAndSecretsClean() {
        return piiAndSecrets.apply(call(clean));
    }

    @Benchmark
    public Future<Void> piiAndSecretsMasking() {
        return piiAndSecrets.apply(call(personal));
    }
}
