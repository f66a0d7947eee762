package dev.gatehouse.guardrails;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallContent;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.GuardrailVerdict;
import dev.gatehouse.call.Stage;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Guardrails on the way in, after the budget reservation and before the cache: the request's texts
 * (prompts, system prompts, tool-call arguments, tool results, embeddings input) pass the input
 * guardrails attached to the caller, its key, team, model or policies. A block ends the call with
 * a 400 ({@code guardrail_blocked}); a mask rewrites the body, so every attempt sends the masked
 * request, passthrough or translated. When output guardrails apply, or masked values are to be
 * restored, the answer is routed through an {@link OutputGuard}.
 *
 * <p>With no guardrail configured the stage returns at its first line; with guardrails that do
 * not apply to this caller it costs one pass over their attachments.
 */
public final class GuardrailsStage implements Stage {
    static final String HEADER = "x-gatehouse-guardrails";

    private final Guardrails guardrails;

    public GuardrailsStage(Guardrails guardrails) {
        this.guardrails = guardrails;
    }

    @Override
    public Future<Void> apply(Call call) {
        if (guardrails.none()) {
            return Future.succeededFuture();
        }
        Scope scope = Scope.of(call);
        List<Guardrail> input = guardrails.applicable(scope, true);
        List<Guardrail> output = guardrails.applicable(scope, false);
        if (input.isEmpty() && output.isEmpty()) {
            return Future.succeededFuture();
        }
        CallContent content = call.content();
        if (content == null) {
            // Fail closed: an endpoint whose content cannot be read is not let past its guardrails.
            String name = (input.isEmpty() ? output : input).getFirst().name();
            return Future.failedFuture(new GatewayException(ErrorType.INVALID_REQUEST, "Guardrail '" + name
                    + "' applies to this call, but this endpoint's content cannot be inspected.", null, Guardrails.GUARDRAIL_BLOCKED));
        }
        Placeholders masks = new Placeholders();
        Future<Void> in = input.isEmpty() ? Future.succeededFuture() : checkInput(call, content, input, masks, scope);
        return in.map(v -> {
            if (!output.isEmpty() || masks.restores()) {
                content.filterOutput(new OutputGuard(call, output, masks, guardrails));
                call.answerFiltered(true); // keeps the answer out of the cache (see Call.answerFiltered)
            }
            return null;
        });
    }

    private Future<Void> checkInput(Call call, CallContent content, List<Guardrail> input, Placeholders masks, Scope scope) {
        Buffer body = content.body();
        List<String> texts;
        try {
            texts = JsonTexts.of(body);
        } catch (RuntimeException e) {
            return Future.failedFuture(GatewayException.invalid("Request body is not valid JSON.", null));
        }
        return guardrails.input(texts, input, masks, scope, call.requestId()).compose(checked -> {
            checked.verdicts().forEach(call::guardrailVerdict);
            header(call);
            if (checked.changed()) {
                List<String> masked = checked.texts();
                Buffer rewritten = JsonTexts.rewrite(body, i -> masked.get(i).equals(texts.get(i)) ? null : masked.get(i));
                content.replaceBody(rewritten);
                call.captureRequest(rewritten);
            }
            if (checked.unmaskedFindings() && call.storeBodies()) {
                // A flagged or blocked value must not reach the request log either: keep a redacted copy.
                call.captureRequest(redacted(content.body(), input));
            }
            return checked.blocked() == null ? Future.succeededFuture() : Future.failedFuture(checked.blocked());
        });
    }

    /** {@code body} with every value any of {@code input}'s detectors finds replaced by a placeholder. */
    private static Buffer redacted(Buffer body, List<Guardrail> input) {
        List<String> texts = JsonTexts.of(body);
        Placeholders redaction = new Placeholders();
        String[] out = new String[texts.size()];
        for (int i = 0; i < texts.size(); i++) {
            List<Finding> spans = new java.util.ArrayList<>();
            for (Guardrail g : input) {
                if (g.detector != null) {
                    spans.addAll(g.find(texts.get(i)));
                }
            }
            out[i] = spans.isEmpty() ? null : redaction.mask(texts.get(i), spans, false);
        }
        return JsonTexts.rewrite(body, i -> out[i]);
    }

    /** Sets {@code x-gatehouse-guardrails: name=outcome, ...} from the call's verdicts so far (also for MCP tool calls). */
    public static void header(Call call) {
        List<GuardrailVerdict> verdicts = call.guardrailVerdicts();
        if (verdicts.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder();
        for (GuardrailVerdict v : verdicts) {
            if (!b.isEmpty()) {
                b.append(", ");
            }
            b.append(v.guardrail()).append('=').append(v.outcome());
            if (v.stage().equals("output")) {
                b.append("(output)");
            }
        }
        call.responseHeader(HEADER, b.toString());
    }
}
