package dev.gatehouse.guardrails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.config.GuardrailConfig;
import io.vertx.core.MultiMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The stream side of guardrails, event by event: hold-back, whole mode, masks, restoring split placeholders. */
class OutputGuardTest {
    static final String AWS = "AKIAIOSFODNN7EXAMPLE";

    static Guardrail guardrail(String type, String action, GuardrailConfig.StreamCheck stream) {
        GuardrailConfig.Settings s = new GuardrailConfig.Settings(List.of(), Map.of(), List.of(), 4.0, 0.5, List.of(), List.of(),
                null, null, false, null, null, Map.of());
        GuardrailConfig c = new GuardrailConfig(type, type, false, true, action, false, true, Duration.ofSeconds(1),
                GuardrailConfig.ApplyTo.ALL, stream, s);
        Detector d = type.equals("pii") ? new PiiDetector(List.of(), Map.of()) : new SecretDetector(List.of(), 4.0);
        return new Guardrail(c, d, null, null);
    }

    static Call call() {
        return new Call("req", Endpoint.CHAT_COMPLETIONS, MultiMap.caseInsensitiveMultiMap(), System.nanoTime());
    }

    /** Feeds the pieces and the finish; returns the text the caller would have received, and the block if any. */
    static String run(OutputGuard guard, List<String> pieces, GatewayException[] blocked) {
        StringBuilder out = new StringBuilder();
        try {
            for (String p : pieces) {
                guard.event(new StreamEvent.TextDelta(p), e -> {
                    if (e instanceof StreamEvent.TextDelta t) {
                        out.append(t.text());
                    }
                });
            }
            guard.event(new StreamEvent.Finish(FinishReason.STOP), e -> {
                if (e instanceof StreamEvent.TextDelta t) {
                    out.append(t.text());
                }
            });
        } catch (GatewayException e) {
            blocked[0] = e;
        }
        return out.toString();
    }

    @Test
    void noPieceOfASecretIsReleasedWhateverTheChunking() {
        Random random = new Random(18);
        for (int round = 0; round < 300; round++) {
            String before = "x".repeat(random.nextInt(200)) + " ";
            String text = before + AWS + " and then more words follow here.";
            List<String> pieces = new ArrayList<>();
            for (int i = 0; i < text.length(); ) {
                int n = 1 + random.nextInt(9);
                pieces.add(text.substring(i, Math.min(text.length(), i + n)));
                i += n;
            }
            GatewayException[] blocked = new GatewayException[1];
            String released = run(new OutputGuard(call(), List.of(guardrail("secrets", "block",
                    new GuardrailConfig.StreamCheck(false, 24))), new Placeholders()), pieces, blocked);
            assertThat(blocked[0]).as("round %d", round).isNotNull();
            assertThat(blocked[0].code()).isEqualTo("guardrail_blocked");
            // byte by byte: what was released is a prefix of the text before the key, not one character more
            assertThat(before).startsWith(released);
        }
    }

    @Test
    void wholeModeReleasesNothingBeforeTheEnd() {
        OutputGuard guard = new OutputGuard(call(), List.of(guardrail("secrets", "block", new GuardrailConfig.StreamCheck(true, 256))),
                new Placeholders());
        List<StreamEvent> out = new ArrayList<>();
        for (String p : List.of("A long answer ".repeat(40), "that is fine.")) {
            guard.event(new StreamEvent.TextDelta(p), out::add);
        }
        assertThat(out).isEmpty();
        guard.event(new StreamEvent.Finish(FinishReason.STOP), out::add);
        assertThat(out).hasSize(2);
        assertThat(((StreamEvent.TextDelta) out.get(0)).text()).endsWith("that is fine.");
    }

    @Test
    void outputMasksReplaceValuesEvenWhenSplitAcrossChunks() {
        GatewayException[] blocked = new GatewayException[1];
        String released = run(new OutputGuard(call(), List.of(guardrail("pii", "mask", new GuardrailConfig.StreamCheck(false, 32))),
                new Placeholders()), List.of("Write to jo", "hn.smith@exa", "mple.org or ", "call +1 415-555", "-0132 today."), blocked);
        assertThat(blocked[0]).isNull();
        assertThat(released).isEqualTo("Write to <EMAIL_1> or call <PHONE_1> today.");
    }

    @Test
    void restoresPlaceholdersCutAnywhere() {
        Placeholders masks = new Placeholders();
        masks.placeholder("EMAIL", "ann@example.com", true);
        masks.placeholder("CREDIT_CARD", "4111 1111 1111 1111", true);
        String answer = "Mail <EMAIL_1> about <CREDIT_CARD_1>; keep <OTHER_2> and a < b.";
        for (int cut = 1; cut < answer.length(); cut++) {
            GatewayException[] blocked = new GatewayException[1];
            String released = run(new OutputGuard(call(), List.of(), masks),
                    List.of(answer.substring(0, cut), answer.substring(cut)), blocked);
            assertThat(released).as("cut at %d", cut)
                    .isEqualTo("Mail ann@example.com about 4111 1111 1111 1111; keep <OTHER_2> and a < b.");
        }
    }

    @Test
    void toolCallArgumentsAreHeldCheckedAndRestored() {
        Placeholders masks = new Placeholders();
        masks.placeholder("EMAIL", "ann@example.com", true);
        OutputGuard guard = new OutputGuard(call(), List.of(guardrail("secrets", "block", GuardrailConfig.StreamCheck.DEFAULT)), masks);
        List<StreamEvent> out = new ArrayList<>();
        guard.event(new StreamEvent.ToolCallDelta(0, "call_1", "send", "{\"to\":\"<EMA"), out::add);
        guard.event(new StreamEvent.ToolCallDelta(0, null, null, "IL_1>\"}"), out::add);
        assertThat(out).isEmpty();
        guard.event(new StreamEvent.Finish(FinishReason.TOOL_CALLS), out::add);
        assertThat(out.getFirst()).isEqualTo(new StreamEvent.ToolCallDelta(0, "call_1", "send", "{\"to\":\"ann@example.com\"}"));

        OutputGuard leaking = new OutputGuard(call(), List.of(guardrail("secrets", "block", GuardrailConfig.StreamCheck.DEFAULT)), new Placeholders());
        leaking.event(new StreamEvent.ToolCallDelta(0, "call_1", "put", "{\"key\":\"" + AWS + "\"}"), out::add);
        assertThatThrownBy(() -> leaking.event(new StreamEvent.Finish(FinishReason.TOOL_CALLS), e -> {}))
                .isInstanceOf(GatewayException.class).hasMessageContaining("AWS_ACCESS_KEY").hasMessageNotContaining(AWS);
    }
}
