package dev.gatehouse.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code models.<name>.router}: a public model that serves nothing itself but picks, per request,
 * another public model to serve it. Rules are tried first, in order (first match wins); when
 * none matches, the candidates that can serve the request (capabilities, context window, latency
 * target) are ordered by cost or latency, the first serves and the rest become its fallbacks.
 *
 * @param candidates public chat models, in the order that breaks ties
 * @param prefer "cost" (estimated cost of this request, cheapest first) or "latency" (moving average, fastest first)
 * @param latencyTarget skip candidates whose moving-average latency exceeds it; null for no target
 * @param semantic routing by similarity to labelled example prompts, tried after the rules; null when not configured
 */
public record RouterConfig(List<String> candidates, String prefer, Duration latencyTarget, List<Rule> rules, Semantic semantic) {

    public static final List<String> PREFER = List.of("cost", "latency");

    public RouterConfig {
        candidates = candidates == null ? List.of() : List.copyOf(candidates);
        prefer = prefer == null ? "cost" : prefer;
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    public RouterConfig(List<String> candidates, String prefer, Duration latencyTarget, List<Rule> rules) {
        this(candidates, prefer, latencyTarget, rules, null);
    }

    /**
     * {@code semantic:}: the last message is embedded with one of the gateway's own embedding
     * models and compared (cosine) with example prompts; the model labelling the nearest example
     * serves, if it is at least {@code minSimilarity} similar.
     *
     * @param embeddingModel a public embedding model of this gateway
     * @param examples model → example prompts, in config order
     */
    public record Semantic(String embeddingModel, double minSimilarity, Map<String, List<String>> examples) {
        public Semantic {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            examples.forEach((model, prompts) -> copy.put(model, List.copyOf(prompts)));
            examples = Collections.unmodifiableMap(copy);
        }
    }

    /**
     * {@code when: {...}, use: model}: every condition given must hold.
     *
     * @param number 1-based position in the list, as the route reason names it
     */
    public record Rule(int number, Condition when, String use) {}

    /**
     * The conditions of one rule; null (or empty) fields are not checked.
     *
     * @param headers request header name (lower case) → value (compared ignoring case)
     * @param teams the caller's team id is one of these
     * @param keys the caller's virtual key id is one of these
     * @param promptTokensOver the prompt (o200k_base count) has more tokens than this
     * @param lastMessageMatches a regex found in the text of the last message
     * @param keywords any of these words (ignoring case, whole words) appears in the last message
     */
    public record Condition(Map<String, String> headers, List<String> teams, List<String> keys, Integer promptTokensOver,
            Pattern lastMessageMatches, List<String> keywords, Pattern keywordPattern) {
        public Condition {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
            teams = teams == null ? List.of() : List.copyOf(teams);
            keys = keys == null ? List.of() : List.copyOf(keys);
            keywords = keywords == null ? List.of() : List.copyOf(keywords);
            if (keywordPattern == null && !keywords.isEmpty()) {
                // One pattern for all the words, compiled once per config, not per request.
                StringBuilder alternatives = new StringBuilder();
                for (String word : keywords) {
                    alternatives.append(alternatives.isEmpty() ? "" : "|").append(Pattern.quote(word));
                }
                keywordPattern = Pattern.compile("(?<![\\p{L}\\p{N}_])(?:" + alternatives + ")(?![\\p{L}\\p{N}_])",
                        Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
            }
        }

        public Condition(Map<String, String> headers, List<String> teams, List<String> keys, Integer promptTokensOver,
                Pattern lastMessageMatches, List<String> keywords) {
            this(headers, teams, keys, promptTokensOver, lastMessageMatches, keywords, null);
        }

        /** Whether checking this condition needs the request's content (decoded body). */
        public boolean needsContent() {
            return promptTokensOver != null || lastMessageMatches != null || !keywords.isEmpty();
        }
    }
}
