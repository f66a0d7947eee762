package dev.gatehouse.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class MeaningGuardTest {

    static boolean compatible(String stored, String asked) {
        return MeaningGuard.compatible(MeaningGuard.of("user: " + stored + "\n"), MeaningGuard.of("user: " + asked + "\n"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            How do I convert Celsius to Fahrenheit?      | How do I convert Fahrenheit to Celsius?
            Convert 100 kilometers to miles.             | Convert 100 miles to kilometers.
            Is 91 a prime number?                        | Is 97 a prime number?
            What is 15% of 200?                          | What is 25% of 200?
            List the first five prime numbers.           | List the first ten prime numbers.
            What year did World War II end?              | What year did World War I end?
            How long should I boil an egg for a soft yolk? | How long should I boil an egg for a hard yolk?
            Give me a synonym for "happy".               | Give me an antonym for "happy".
            What is the capital of Austria?              | What is the capital of Australia?
            Is GPT-4 better than Claude?                 | Is Claude better than GPT-4?
            """)
    void nearMissesWithAReversalOtherNumbersOrOneSwappedWordAreVetoed(String stored, String asked) {
        assertThat(compatible(stored, asked)).isFalse();
        assertThat(compatible(asked, stored)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            What is the capital of France?               | Which city is the capital of France?
            How do I reverse a list in Python?           | What's the way to reverse a Python list?
            How many days are there in a leap year?      | A leap year has how many days?
            What year did World War II end?              | In which year did the Second World War end?
            Convert 100 kilometers to miles.             | How many miles is 100 kilometers?
            What does HTTP status code 404 mean?         | What is the meaning of the HTTP 404 status code?
            How do I read a file line by line in Java?   | What's the way to read a file one line at a time in Java?
            Explain recursion in simple terms.           | Explain recursion simply.
            """)
    void paraphrasesAreLeftToTheEmbedding(String stored, String asked) {
        assertThat(compatible(stored, asked)).isTrue();
        assertThat(compatible(asked, stored)).isTrue();
    }

    /**
     * Over the benchmark's pairs (bench/cache/pairs.tsv): which paraphrases the guard gives up (a
     * miss, a call to the model) and which near misses it catches before any embedding is asked.
     */
    @Test
    void onTheBenchmarkPairsItCatchesMostNearMissesAndGivesUpFewParaphrases() throws IOException {
        List<String> vetoedParaphrases = new ArrayList<>();
        List<String> passedNearMisses = new ArrayList<>();
        int same = 0;
        int different = 0;
        for (String line : Files.readAllLines(Path.of("bench/cache/pairs.tsv"))) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            boolean ok = compatible(f[1], f[2]);
            if (f[0].equals("same")) {
                same++;
                if (!ok) {
                    vetoedParaphrases.add(f[1] + " / " + f[2]);
                }
            } else {
                different++;
                if (ok) {
                    passedNearMisses.add(f[1] + " / " + f[2]);
                }
            }
        }
        System.out.printf("meaning guard: %d of %d paraphrases vetoed %s; %d of %d near misses left to the embedding %s%n",
                vetoedParaphrases.size(), same, vetoedParaphrases, passedNearMisses.size(), different, passedNearMisses);
        assertThat(same).isEqualTo(36);
        assertThat(vetoedParaphrases).hasSizeLessThanOrEqualTo(6);
        assertThat(passedNearMisses).hasSizeLessThanOrEqualTo(12);
    }
}
