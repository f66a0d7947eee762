package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.Main;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.store.Database;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gatehouse audit verify|export} against the database {@code start} would open. */
class AuditCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Main.commandLine().execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    Path config() throws Exception {
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                providers:
                  mock: {kind: mock}
                models:
                  m:
                    targets: [{provider: mock}]
                """);
        return config;
    }

    @Test
    void verifyAndExport() throws Exception {
        Path config = config();
        Path data = dir.resolve("data");
        try (Database db = Database.open(null, null, null, data)) {
            AuditLog log = new AuditLog(db);
            for (int i = 0; i < 4; i++) {
                log.append("master", "master-key", "127.0.0.1", "r" + i, "team.create", "team", "t" + i, null,
                        Map.of("name", "t" + i));
            }
        }
        Run ok = run("audit", "verify", "--config", config.toString(), "--data", data.toString());
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).startsWith("audit chain intact: 4 entries");

        Path out = dir.resolve("audit.jsonl");
        Run export = run("audit", "export", "--config", config.toString(), "--data", data.toString(), "--out", out.toString());
        assertThat(export.exit()).as(export.err()).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(4);
        assertThat(lines.getFirst()).contains("\"seq\":1").contains("\"action\":\"team.create\"");
        Run since = run("audit", "export", "--config", config.toString(), "--data", data.toString(), "--since", "2999-01-01");
        assertThat(since.exit()).isZero();
        assertThat(since.out()).isEmpty();

        try (Database db = Database.open(null, null, null, data)) {
            db.call(c -> c.createStatement().executeUpdate("UPDATE audit_log SET target_id = 'other' WHERE seq = 2"));
        }
        Run broken = run("audit", "verify", "--config", config.toString(), "--data", data.toString());
        assertThat(broken.exit()).isEqualTo(1);
        assertThat(broken.err()).contains("audit chain BROKEN at seq 2").contains("contents changed");

        Run badTime = run("audit", "export", "--config", config.toString(), "--data", data.toString(), "--since", "yesterday");
        assertThat(badTime.exit()).isEqualTo(2);
        assertThat(badTime.err()).contains("not a time");
    }
}
