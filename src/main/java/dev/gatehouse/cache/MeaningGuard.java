package dev.gatehouse.cache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Vetoes a semantic hit between two texts that an embedding finds close but whose words say they
 * ask different things. Sentence embeddings barely see word order, numbers or a single swapped
 * word, and those are exactly the near misses with different answers: "Celsius to Fahrenheit" /
 * "Fahrenheit to Celsius", "Is 91 prime?" / "Is 97 prime?", "synonym" / "antonym". A veto only
 * turns a hit into a miss (a call to the model), never the reverse, so it errs on the side of a
 * miss: two questions that differ in exactly one word are not the same question, because an
 * embedding cannot tell whether that word was a synonym or an antonym.
 *
 * <p>The texts compared are the conversation text the cache embeds. The three rules:
 * <ol>
 *   <li>the numbers (digits, number words, Roman numerals from II) must be the same;
 *   <li>a direction ("X to Y", "X into Y", "X from Y", "X than Y") must not be reversed, nor the
 *       same words put in another order around one;
 *   <li>the content words must not differ by exactly one word swapped for another.
 * </ol>
 */
final class MeaningGuard {
    /** Words that carry no meaning of their own in a question (articles, auxiliaries, question words, pronouns). */
    private static final Set<String> STOP = Set.of("a", "an", "the", "is", "are", "was", "were", "be", "been", "am", "do",
            "does", "did", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "what", "what's",
            "whats", "which", "who", "whom", "whose", "how", "when", "where", "why", "i", "me", "my", "you", "your", "we",
            "our", "it", "its", "it's", "this", "that", "these", "those", "there", "here", "of", "in", "on", "at", "for",
            "by", "with", "about", "as", "and", "or", "please", "tell", "give", "some", "any", "many", "much", "way",
            "s", "user", "assistant", "system", "to", "into", "from", "than", "has", "have", "had", "let", "us", "just");
    private static final Set<String> DIRECTION = Set.of("to", "into", "from", "than", "vs", "versus");
    private static final Map<String, String> NUMBER_WORDS = new HashMap<>();

    static {
        // "one" is left out: "one line at a time", "in one sentence" rarely mean the number.
        String[] words = {"zero", "", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};
        for (int i = 0; i < words.length; i++) {
            if (!words[i].isEmpty()) {
                NUMBER_WORDS.put(words[i], Integer.toString(i));
            }
        }
        String[] ordinals = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"};
        for (int i = 0; i < ordinals.length; i++) {
            NUMBER_WORDS.put(ordinals[i], Integer.toString(i + 1));
        }
        String[] roman = {"ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"};
        for (int i = 0; i < roman.length; i++) {
            NUMBER_WORDS.put(roman[i], Integer.toString(i + 2));
        }
    }

    /** What of a text the rules look at: its numbers, its content words in order, and its directions. */
    record Words(List<String> numbers, List<String> content, List<String> directions, boolean directed) {}

    private MeaningGuard() {}

    static Words of(String text) {
        List<String> numbers = new ArrayList<>();
        List<String> content = new ArrayList<>();
        List<String> directions = new ArrayList<>();
        String previous = null;
        boolean directionPending = false;
        boolean directed = false;
        for (String token : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}.'%]+")) {
            String t = strip(token);
            if (t.isEmpty()) {
                continue;
            }
            if (Character.isDigit(t.charAt(0)) || NUMBER_WORDS.containsKey(t)) {
                String n = NUMBER_WORDS.getOrDefault(t, t);
                numbers.add(n);
                t = n; // a number is content too (it can be one end of a direction)
            } else if (DIRECTION.contains(t)) {
                directionPending = previous != null;
                directed = true;
                continue;
            } else if (STOP.contains(t)) {
                continue;
            }
            if (directionPending) {
                directions.add(previous + ">" + t);
                directionPending = false;
            }
            content.add(t);
            previous = t;
        }
        numbers.sort(null);
        return new Words(numbers, content, directions, directed);
    }

    /** Trims punctuation at the ends, a plural or possessive "s" and an "-ing" (so "lists" and "list" match). */
    private static String strip(String token) {
        int start = 0;
        int end = token.length();
        while (start < end && !Character.isLetterOrDigit(token.charAt(start))) {
            start++;
        }
        while (end > start && !Character.isLetterOrDigit(token.charAt(end - 1)) && token.charAt(end - 1) != '%') {
            end--;
        }
        String t = token.substring(start, end);
        if (t.endsWith("'s")) {
            t = t.substring(0, t.length() - 2);
        }
        if (t.length() > 3 && t.endsWith("s") && !t.endsWith("ss") && Character.isLetter(t.charAt(0))) {
            t = t.substring(0, t.length() - 1);
        }
        if (t.length() > 5 && t.endsWith("ing")) { // "meaning" and "mean", "boiling" and "boil"
            t = t.substring(0, t.length() - 3);
        }
        return t;
    }

    private static List<String> sorted(List<String> words) {
        List<String> copy = new ArrayList<>(words);
        copy.sort(null);
        return copy;
    }

    /** False when the words say the two texts ask different things, however close their embeddings are. */
    static boolean compatible(Words stored, Words asked) {
        if (!stored.numbers().equals(asked.numbers())) {
            return false;
        }
        for (String d : stored.directions()) {
            int at = d.indexOf('>');
            if (asked.directions().contains(d.substring(at + 1) + ">" + d.substring(0, at))) {
                return false;
            }
        }
        // The same words in another order around a "to" / "than": "GPT-4 better than Claude" and
        // "Claude better than GPT-4". (Without a direction, reordering is how paraphrases are made.)
        if (stored.directed() && asked.directed() && !stored.content().equals(asked.content())
                && sorted(stored.content()).equals(sorted(asked.content()))) {
            return false;
        }
        List<String> onlyStored = new ArrayList<>(stored.content());
        asked.content().forEach(onlyStored::remove);
        List<String> onlyAsked = new ArrayList<>(asked.content());
        stored.content().forEach(onlyAsked::remove);
        return !(onlyStored.size() == 1 && onlyAsked.size() == 1);
    }
}
