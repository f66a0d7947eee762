package dev.gatehouse.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * MCP servers from the npm registry (src/test/mcp-servers, versions pinned in its lock file),
 * installed with {@code npm ci} on first use. Without node the tests using them are skipped,
 * unless node is required ({@code -Dgatehouse.require-node=true}, as {@code .ci/run} sets, or
 * {@code GATEHOUSE_REQUIRE_NODE=true}): then they fail.
 */
public final class NpmMcpServers {
    public static final Path DIR = Path.of("src/test/mcp-servers").toAbsolutePath();

    private NpmMcpServers() {}

    /** The entry script of {@code @modelcontextprotocol/server-everything}, installed. */
    public static Path everything() {
        requireNode();
        install();
        Path script = DIR.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js");
        assertThat(script).exists();
        return script;
    }

    private static void requireNode() {
        if (!runs("node", "--version") || !runs("npm", "--version")) {
            boolean required = Boolean.getBoolean("gatehouse.require-node") || "true".equalsIgnoreCase(System.getenv("GATEHOUSE_REQUIRE_NODE"));
            assertThat(required).as("node and npm are needed for the stdio MCP server tests (required in CI)").isFalse();
            Assumptions.abort("node and npm are needed for the stdio MCP server tests: skipped");
        }
    }

    private static synchronized void install() {
        try {
            String lock = sha256(Files.readAllBytes(DIR.resolve("package-lock.json")));
            Path stamp = DIR.resolve("node_modules/.gatehouse-lock-sha256");
            if (Files.exists(stamp) && Files.readString(stamp).strip().equals(lock)) {
                return;
            }
            Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts").directory(DIR.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("npm ci took more than 300 s");
            }
            assertThat(p.exitValue()).as("npm ci in " + DIR).isZero();
            Files.writeString(stamp, lock, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
