package dev.gatehouse.dialect.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.InjectionClassification;
import dev.gatehouse.call.QueryRewriting;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.Role;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.ToolChoice;
import dev.gatehouse.canonical.ToolDefinition;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.config.ProviderConfig.MockSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * The mock's answers: deterministic functions of the request, so tests and demos can predict
 * them. One "token" is one word. The answer opens by quoting the start of the last user message
 * (so a demo visibly answers what was asked) and fills up to the configured length with words
 * chosen by a generator seeded from the prompt.
 */
final class MockAnswers {
    private static final String[] WORDS = {
        "gateway", "model", "token", "stream", "route", "budget", "key", "provider", "answer", "latency",
        "request", "fallback", "policy", "usage", "cost", "cache", "audit", "team", "agent", "tool",
    };

    /** The answer's words, and whether max_tokens cut it short. */
    record Answer(List<String> words, FinishReason finishReason, Usage usage) {
        String text() {
            return String.join(" ", words);
        }
    }

    private MockAnswers() {}

    static Answer answer(ChatRequest request, MockSettings settings) {
        String prompt = lastUserText(request.messages());
        if (!request.messages().isEmpty() && request.messages().getFirst().role() == Role.SYSTEM
                && InjectionClassification.isClassification(request.messages().getFirst().plainText())) {
            return classification(request, prompt);
        }
        if (!request.messages().isEmpty() && request.messages().getFirst().role() == Role.SYSTEM
                && QueryRewriting.isRewrite(request.messages().getFirst().plainText())) {
            return rewrite(request, prompt);
        }
        List<String> all = new ArrayList<>(settings.outputTokens());
        all.add("Mock");
        all.add("answer");
        all.add("to:");
        for (String word : prompt.split("\\s+")) {
            if (!word.isEmpty() && all.size() < Math.min(8, settings.outputTokens())) {
                all.add(word);
            }
        }
        long seed = prompt.hashCode();
        while (all.size() < settings.outputTokens()) {
            seed = seed * 6364136223846793005L + 1442695040888963407L; // LCG: deterministic, no allocation
            all.add(WORDS[(int) ((seed >>> 33) % WORDS.length)]);
        }
        List<String> words = all.subList(0, Math.min(all.size(), settings.outputTokens()));
        FinishReason reason = FinishReason.STOP;
        if (request.maxTokens() != null && request.maxTokens() < words.size()) {
            words = words.subList(0, request.maxTokens());
            reason = FinishReason.LENGTH;
        }
        words = List.copyOf(words);
        return new Answer(words, reason, Usage.of(promptTokens(request.messages()), words.size()));
    }

    /** Phrases the mock's injection classifier rates as injections (any case); anything else is clean. */
    private static final List<String> INJECTION_SIGNS = List.of("ignore all previous instructions", "ignore previous instructions",
            "ignore the above", "disregard your instructions", "reveal your system prompt", "you are now dan", "developer mode");

    /**
     * A prompt-injection classification ({@link InjectionClassification}): {@code {"score":0.99}}
     * when the text contains one of {@link #INJECTION_SIGNS}, else {@code {"score":0.01}}, so the
     * classifier guardrail can be tried and tested offline.
     */
    private static Answer classification(ChatRequest request, String prompt) {
        String lower = prompt.toLowerCase(java.util.Locale.ROOT);
        boolean injection = INJECTION_SIGNS.stream().anyMatch(lower::contains);
        String verdict = injection ? "{\"score\":0.99}" : "{\"score\":0.01}";
        return new Answer(List.of(verdict), FinishReason.STOP, Usage.of(promptTokens(request.messages()), 1));
    }

    /** Question words, articles, auxiliaries, pronouns and filler the mock's query rewrite drops. */
    private static final java.util.Set<String> STOP_WORDS = java.util.Set.of(
            "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with", "about", "from", "into",
            "as", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "done", "have", "has", "had",
            "can", "could", "would", "should", "will", "shall", "may", "might", "must", "what", "which", "who", "whom", "whose",
            "when", "where", "why", "how", "i", "me", "my", "we", "us", "our", "you", "your", "he", "she", "it", "its", "they",
            "them", "their", "this", "that", "these", "those", "there", "here", "please", "tell", "know", "find", "show",
            "give", "any", "some", "all", "just", "also", "so", "if", "then", "than", "not", "no", "yes", "hi", "hello",
            "thanks", "thank", "kindly", "want", "need", "like", "let", "get", "out", "up");

    /**
     * A query rewrite ({@link QueryRewriting}): the question's words in order, lower case, without
     * punctuation, stop words, question words or repeats (the question's own words when nothing
     * else is left), so rewriting can be tried and tested offline.
     */
    static String rewrite(String question) {
        java.util.LinkedHashSet<String> kept = new java.util.LinkedHashSet<>();
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
        for (String raw : question.toLowerCase(java.util.Locale.ROOT).split("[^\\p{L}\\p{N}_-]+")) {
            String word = raw.replaceAll("^[-_]+|[-_]+$", "");
            if (word.isEmpty()) {
                continue;
            }
            all.add(word);
            if (!STOP_WORDS.contains(word)) {
                kept.add(word);
            }
        }
        return String.join(" ", kept.isEmpty() ? all : kept);
    }

    private static Answer rewrite(ChatRequest request, String prompt) {
        List<String> words = List.of(rewrite(prompt).split(" "));
        if (words.size() == 1 && words.getFirst().isEmpty()) {
            words = List.of("");
        }
        return new Answer(List.copyOf(words), FinishReason.STOP, Usage.of(promptTokens(request.messages()), words.size()));
    }

    /** Words in every message plus a few per message for role markers, like real tokenizers add. */
    static long promptTokens(List<Message> messages) {
        long tokens = 0;
        for (Message message : messages) {
            tokens += 3 + countWords(message.plainText());
        }
        return tokens;
    }

    static long countWords(String text) {
        long count = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !inWord) {
                count++;
            }
            inWord = !space;
        }
        return count;
    }

    /**
     * The tool call the mock makes, or null for a text answer: when the request offers tools (and
     * does not say {@code tool_choice: none}) and the conversation ends with the user's turn, the
     * mock calls the named tool, else the first one, with arguments made from its schema (each
     * required property: a string "mock", a number 1, a boolean true, else null). After a tool
     * result it answers in text, so an agent's tool loop ends.
     */
    static ToolCall toolCall(ChatRequest request, long id) {
        if (request.tools().isEmpty() || request.toolChoice() instanceof ToolChoice.None || request.messages().isEmpty()
                || request.messages().getLast().role() != Role.USER) {
            return null;
        }
        ToolDefinition tool = request.tools().getFirst();
        if (request.toolChoice() instanceof ToolChoice.Named named) {
            tool = request.tools().stream().filter(t -> t.name().equals(named.name())).findFirst().orElse(tool);
        }
        ObjectNode args = JsonNodeFactory.instance.objectNode();
        JsonNode schema = tool.parameters();
        if (schema != null) {
            for (JsonNode name : schema.path("required")) {
                switch (schema.path("properties").path(name.asText()).path("type").asText()) {
                    case "string" -> args.put(name.asText(), "mock");
                    case "integer", "number" -> args.put(name.asText(), 1);
                    case "boolean" -> args.put(name.asText(), true);
                    default -> args.putNull(name.asText());
                }
            }
        }
        return new ToolCall("call_mock_" + id, tool.name(), args.toString());
    }

    private static String lastUserText(List<Message> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            Message message = messages.get(i);
            if (message.role() == Role.USER) {
                for (ContentPart part : message.content()) {
                    if (part instanceof ContentPart.Text text) {
                        return text.text();
                    }
                }
            }
        }
        return "";
    }

    /** A unit vector that depends only on the text: equal texts embed equally. */
    static float[] embedding(String text, int dimensions) {
        float[] vector = new float[dimensions];
        long seed = text.hashCode() * 0x9E3779B97F4A7C15L;
        double norm = 0;
        for (int i = 0; i < dimensions; i++) {
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            vector[i] = ((seed >>> 40) / (float) (1L << 24)) * 2f - 1f;
            norm += vector[i] * vector[i];
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < dimensions; i++) {
            vector[i] *= scale;
        }
        return vector;
    }
}
