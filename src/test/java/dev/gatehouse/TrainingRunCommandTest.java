package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code gatehouse training-run}, which the launcher and the Dockerfile record the startup
 * archive from: it must succeed on its own (a failure would only show as slower starts).
 */
class TrainingRunCommandTest {

    @Test
    void startsServesACompletionRestartsAndExitsCleanly() {
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setErr(new PrintWriter(err, true)).execute("training-run");
        assertThat(exit).as(err.toString()).isZero();
    }

    @Test
    void isHiddenFromTheUsage() {
        StringWriter out = new StringWriter();
        Main.commandLine().setOut(new PrintWriter(out, true)).execute("--help");
        assertThat(out.toString()).contains("start").doesNotContain("training-run");
    }
}
