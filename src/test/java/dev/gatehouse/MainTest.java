package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line registers only the invoked subcommand (a faster start), and all of them otherwise. */
class MainTest {

    @Test
    void aNamedSubcommandIsTheOnlyOneBuilt() {
        assertThat(Main.commandLine("start", "--port", "0").getSubcommands()).containsOnlyKeys("start");
        assertThat(Main.commandLine("keys", "list").getSubcommands()).containsOnlyKeys("keys");
        assertThat(Main.commandLine("keys").getSubcommands().get("keys").getSubcommands()).containsKeys("create", "list", "revoke", "rotate");
    }

    @Test
    void withoutASubcommandEveryOneIsThereForTheUsage() {
        assertThat(Main.commandLine().getSubcommands())
                .containsOnlyKeys("start", "check", "migrate", "keys", "teams", "audit", "credentials", "training-run");
        assertThat(Main.commandLine("--help").getSubcommands()).hasSize(Main.COMMANDS.size());
    }

    @Test
    void aStartHelpIsTheSameAsBefore() {
        StringWriter out = new StringWriter();
        int exit = Main.commandLine("start", "--help").setOut(new PrintWriter(out, true)).execute("start", "--help");
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Usage: gatehouse start").contains("--config=FILE").contains("--data=DIR");
    }

    @Test
    void aMistypedSubcommandStillGetsPicocliSuggestions() {
        StringWriter err = new StringWriter();
        int exit = Main.commandLine("strat").setErr(new PrintWriter(err, true)).execute("strat");
        assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("strat").contains("start");
    }
}
