package dev.gatehouse.dialect.openai;

import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.ToolCall;

/** The text of an answer that a tokenizer should count: content, reasoning and tool-call arguments. */
public final class UsageText {
    private UsageText() {}

    public static String of(ChatResponse response) {
        StringBuilder text = new StringBuilder();
        for (ContentPart part : response.content()) {
            switch (part) {
                case ContentPart.Text t -> text.append(t.text());
                case ContentPart.Reasoning r -> text.append(r.text());
                default -> { }
            }
        }
        for (ToolCall call : response.toolCalls()) {
            text.append(call.name()).append(call.arguments());
        }
        return text.toString();
    }
}
