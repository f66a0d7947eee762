package dev.gatehouse.guardrails;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A scored heuristic for prompt injection and jailbreak attempts: each rule that matches adds its
 * weight, combined as independent evidence ({@code 1 - Π(1 - w)}), so one strong sign or several
 * weak ones reach the threshold while a single weak sign ("act as a tutor") does not.
 */
final class InjectionDetector implements Detector {
    private record Rule(double weight, Pattern pattern) {}

    private static Rule rule(double weight, String regex) {
        return new Rule(weight, Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
    }

    private static final List<Rule> RULES = List.of(
            rule(0.7, "\\b(?:ignore|disregard|forget|override|bypass)\\b.{0,30}\\b(?:previous|prior|above|earlier|preceding|all|any|your|the|system)\\b.{0,20}\\b(?:instructions?|prompts?|rules|directions|guidelines|context)\\b"),
            rule(0.55, "\\b(?:reveal|show|print|repeat|output|leak|tell me)\\b.{0,25}\\b(?:system prompt|hidden prompt|initial prompt|your instructions|developer message|the prompt above)\\b"),
            rule(0.6, "\\bdo anything now\\b|\\bDAN mode\\b|\\bjailbr(?:eak|oken)\\b"),
            rule(0.45, "\\byou are (?:now|no longer)\\b.{0,40}\\b(?:unrestricted|unfiltered|uncensored|free of|without (?:any )?(?:rules|restrictions|limits)|developer mode|evil)\\b"),
            rule(0.4, "\\bdeveloper mode\\b|\\bgod mode\\b"),
            rule(0.35, "\\b(?:without|no)\\b.{0,10}\\b(?:restrictions|filters|limitations|censorship|safety guidelines)\\b"),
            rule(0.3, "\\b(?:pretend|act as if|roleplay as|imagine you are)\\b.{0,40}\\b(?:no rules|unrestricted|evil|not an ai|have no (?:limits|restrictions))\\b"),
            rule(0.4, "<\\|im_start\\|>|<\\|system\\|>|\\[/?INST\\]|</?system>|<<SYS>>"),
            rule(0.3, "(?m)^\\s*(?:new|updated|real) (?:system )?instructions?\\s*:"),
            rule(0.25, "(?m)^\\s*system\\s*:"));

    private final double threshold;

    InjectionDetector(double threshold) {
        this.threshold = threshold;
    }

    /** The injection score of a text, from 0 (no sign) towards 1. */
    static double score(String text) {
        double clean = 1;
        for (Rule r : RULES) {
            if (r.pattern().matcher(text).find()) {
                clean *= 1 - r.weight();
            }
        }
        return 1 - clean;
    }

    @Override
    public void find(String text, List<Finding> out) {
        if (score(text) >= threshold) {
            out.add(Finding.whole("PROMPT_INJECTION"));
        }
    }
}
