package dev.gatehouse.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A small seeded fuzz loop for plain JUnit tests: every case gets its own seed, derived from one
 * run seed, so a failure names the seed that reproduces it exactly. Each case runs under a time
 * bound on a worker thread, so a hang fails the test instead of stalling the build.
 *
 * <p>System properties: {@code gatehouse.fuzz.tries} (the base number of cases per target, default {@link #DEFAULT_TRIES}),
 * {@code gatehouse.fuzz.seed} (the run seed; random by default), {@code gatehouse.fuzz.case}
 * (run only that one case seed, as printed by a failure).
 */
public final class Fuzz {
    public static final int DEFAULT_TRIES = 300;
    private static final int MAX_REPORTED = 5;

    private Fuzz() {}

    /** One fuzz case: its random source and the input it built, kept for the failure message. */
    public static final class Case {
        private final Random random;
        private final long seed;
        private String input = "";

        Case(long seed) {
            this.seed = seed;
            this.random = new Random(seed);
        }

        public Random random() {
            return random;
        }

        public long seed() {
            return seed;
        }

        /** Records the input (for the failure message) and returns it. */
        public byte[] input(byte[] bytes) {
            this.input = excerpt(new String(bytes, StandardCharsets.ISO_8859_1));
            return bytes;
        }

        public String input(String text) {
            this.input = excerpt(text);
            return text;
        }
    }

    @FunctionalInterface
    public interface Body {
        void run(Case c) throws Exception;
    }

    /**
     * Cases for one target: {@code gatehouse.fuzz.tries} (default {@link #DEFAULT_TRIES}) times
     * {@code factor}, at least 20. Cheap in-memory targets take a factor above 1, targets that
     * make an HTTP request per case one below.
     */
    public static int tries(double factor) {
        int base = Integer.getInteger("gatehouse.fuzz.tries", DEFAULT_TRIES);
        return (int) Math.max(20, Math.min(Integer.MAX_VALUE, Math.round(base * factor)));
    }

    /** Runs {@code tries} cases of {@code body}; fails listing up to five failing cases with their seeds. */
    public static void run(String target, int tries, Duration perCase, Body body) {
        String only = System.getProperty("gatehouse.fuzz.case");
        long runSeed = Long.getLong("gatehouse.fuzz.seed", new SplittableRandom().nextLong());
        List<String> failures = new ArrayList<>();
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-" + target);
            t.setDaemon(true);
            return t;
        });
        int failed = 0;
        long started = System.nanoTime();
        try {
            int n = only != null ? 1 : tries;
            for (int i = 0; i < n; i++) {
                long seed = only != null ? Long.parseLong(only) : new SplittableRandom(runSeed + i).nextLong();
                Case c = new Case(seed);
                Future<?> f = worker.submit(() -> {
                    body.run(c);
                    return null;
                });
                String why = null;
                try {
                    f.get(perCase.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    f.cancel(true);
                    why = "no answer within " + perCase.toMillis() + " ms (a hang?)";
                } catch (ExecutionException e) {
                    why = stack(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                if (why != null) {
                    failed++;
                    if (failures.size() < MAX_REPORTED) {
                        failures.add("case " + seed + " (rerun: -Dgatehouse.fuzz.case=" + seed + ")\n  input: " + c.input
                                + "\n  " + why);
                    }
                    if (why.startsWith("no answer")) {
                        break; // the worker may be stuck; the next cases cannot run
                    }
                }
            }
        } finally {
            worker.shutdownNow();
        }
        System.out.printf("fuzz %s: %d cases in %d ms, run seed %d%n", target, only != null ? 1 : tries,
                (System.nanoTime() - started) / 1_000_000, runSeed);
        if (failed > 0) {
            throw new AssertionError(target + ": " + failed + " of " + tries + " fuzz cases failed (run seed " + runSeed
                    + ", -Dgatehouse.fuzz.seed=" + runSeed + " replays the run):\n" + String.join("\n", failures));
        }
    }

    private static String stack(Throwable t) {
        StringBuilder sb = new StringBuilder(String.valueOf(t));
        StackTraceElement[] trace = t.getStackTrace();
        for (int i = 0; i < Math.min(8, trace.length); i++) {
            sb.append("\n      at ").append(trace[i]);
        }
        if (t.getCause() != null && t.getCause() != t) {
            sb.append("\n    caused by ").append(t.getCause());
        }
        return sb.toString();
    }

    /** Printable, bounded: control and non-ASCII characters as escapes. */
    static String excerpt(String s) {
        StringBuilder sb = new StringBuilder();
        int limit = Math.min(s.length(), 400);
        for (int i = 0; i < limit; i++) {
            char ch = s.charAt(i);
            if (ch >= 0x20 && ch < 0x7f) {
                sb.append(ch);
            } else {
                sb.append(String.format("\\x%02x", (int) ch & 0xff));
            }
        }
        if (s.length() > limit) {
            sb.append("... (").append(s.length()).append(" chars)");
        }
        return sb.toString();
    }
}
