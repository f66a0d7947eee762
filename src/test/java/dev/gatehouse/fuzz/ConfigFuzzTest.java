package dev.gatehouse.fuzz;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.testing.Fuzz;
import dev.gatehouse.testing.Mutator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mutated YAML configs: the loader answers with a config or a {@link ConfigException}, nothing else. */
class ConfigFuzzTest {
    private static final Path SOURCE = Path.of("gatehouse.yaml");
    private static final Map<String, String> ENV = Map.of("OPENAI_API_KEY", "sk-openai", "GATEHOUSE_MASTER_KEY", "gh-master");

    static final List<String> SEEDS = List.of("""
            server: {host: 0.0.0.0, port: 9090, max-body-size: 16MiB, event-loops: 4}
            providers:
              openai:   {kind: openai, base-url: https://api.openai.com/v1, api-key: "${OPENAI_API_KEY}", headers: {OpenAI-Organization: org-1}, passthrough: true,
                         timeouts: {connect: 10s, first-byte: 60s, idle: 30s, total: 10m}}
              azure:    {kind: azure-openai, base-url: https://myres.openai.azure.com, api-key: "${AZURE_KEY:-x}", api-version: 2024-10-21}
              claude:   {kind: anthropic, api-key: "k", passthrough: false}
              demo:     {kind: mock, mock: {latency: 5ms, output-tokens: 12, chunk-delay: 20ms, tokens-per-chunk: 2, embedding-dimensions: 64}}
            models:
              gpt-4o-mini:
                type: chat
                timeouts: {first-byte: 30s}
                targets:
                  - {provider: openai, model: gpt-4o-mini-2024-07-18, timeouts: {idle: 10s}}
                  - {provider: azure, model: my-deployment}
              embed:
                type: embedding
                targets: [{provider: demo}]
            auth:
              master-key: "${GATEHOUSE_MASTER_KEY}"
            storage:
              url: jdbc:postgresql://127.0.0.1:5432/test
              username: gh
              password: secret
            """, """
            providers:
              m: {kind: mock}
            models:
              small: {capabilities: [tools], targets: [{provider: m}]}
              big: {capabilities: [vision, tools, json-schema], targets: [{provider: m}]}
              house:
                pricing: {input: 2.50, cached-input: "1.25", output: 10, max-output: 32768}
                targets: [{provider: m, model: gpt-4o}]
              auto:
                router:
                  candidates: [small, big]
                  prefer: latency
                  latency-target: 2s
                  rules:
                    - {when: {header: {X-Task: code}}, use: big}
                    - {when: {team: research, key: [k1, k2]}, use: big}
                    - {when: {prompt-tokens-over: 50000}, use: big}
                    - {when: {keywords: [translate, translation]}, use: small}
            budgets:
              alert-webhook: https://hooks.example.com/x
              alert-thresholds: [100, 50%, 80]
              alert-timeout: 2s
              default-max-output-tokens: 1000
            redis: {url: "redis://127.0.0.1:6379"}
            """);

    /** YAML scalars and constructs a config reader may not expect where it finds them. */
    private static final String[] HOSTILE = {"~", "null", "''", "\"\"", "[]", "{}", "[a, [b]]", "{a: {b: c}}", "-1", "0",
        "1e400", "99999999999999999999", "0x7fffffffffffffff", "-0", ".inf", ".nan", "true", "no", "1ms", "-5s", "10000000d",
        "999999999999h", "1KiB", "99999999999TiB", "-1MiB", "50%", "150%", "!!binary aGk=", "!!float x", "!!java.lang.Object {}",
        "&a [*a]", "*undefined", "<<: {}", "\"${UNSET}\"", "\"${UNSET:-}\"", "\"${\"", "\"\\ud800\"", "\"\\0\"", "|", ">-",
        "\"http://[::1\"", "\"not a url\"", "\"(\"", "\"(a+)+$\"", "2024-13-45", "\t", "?", "%YAML 1.2", "---", "...", "@", "`"};

    @Test
    void configFromText() {
        Fuzz.run("YAML config", Fuzz.tries(2), Duration.ofSeconds(5), c -> {
            String yaml = c.input(mutate(SEEDS.get(c.random().nextInt(SEEDS.size())), c.random()));
            load(() -> ConfigLoader.parseWithWarnings(yaml, SOURCE, ENV));
        });
    }

    @Test
    void configFromFile(@TempDir Path dir) {
        Path file = dir.resolve("gatehouse.yaml");
        Fuzz.run("YAML config file", Fuzz.tries(0.2), Duration.ofSeconds(5), c -> {
            byte[] bytes = c.input(Mutator.mutateBytes(
                    mutate(SEEDS.get(c.random().nextInt(SEEDS.size())), c.random()).getBytes(StandardCharsets.UTF_8), c.random()));
            Files.write(file, bytes);
            load(() -> ConfigLoader.loadWithWarnings(file, ENV));
        });
    }

    private static void load(Runnable parse) {
        try {
            parse.run();
        } catch (ConfigException expected) {
            // a refusal that lists what is wrong: fine
        }
    }

    /** Line-aware mutations (values swapped for hostile YAML, lines duplicated, moved, re-indented), then bytes. */
    static String mutate(String yaml, Random r) {
        String[] lines = yaml.split("\n", -1);
        int ops = 1 + r.nextInt(3);
        for (int op = 0; op < ops; op++) {
            int i = r.nextInt(lines.length);
            String line = lines[i];
            switch (r.nextInt(6)) {
                case 0, 1 -> {
                    int colon = line.lastIndexOf(": ");
                    if (colon >= 0) {
                        lines[i] = line.substring(0, colon + 2) + HOSTILE[r.nextInt(HOSTILE.length)];
                    }
                }
                case 2 -> lines[i] = line + "\n" + line; // a duplicated key
                case 3 -> lines[i] = (r.nextBoolean() ? "  " : "") + line.substring(Math.min(line.length(), r.nextInt(3)));
                case 4 -> {
                    int brace = line.indexOf('{');
                    if (brace >= 0) {
                        lines[i] = line.substring(0, brace + 1) + HOSTILE[r.nextInt(HOSTILE.length)] + ": x, " + line.substring(brace + 1);
                    }
                }
                default -> lines[i] = "";
            }
        }
        String out = String.join("\n", lines);
        if (r.nextInt(3) == 0) {
            byte[] b = Mutator.mutateBytes(out.getBytes(StandardCharsets.UTF_8), r);
            out = new String(b, StandardCharsets.UTF_8);
        }
        return out;
    }
}
