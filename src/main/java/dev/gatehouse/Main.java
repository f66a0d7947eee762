package dev.gatehouse;

import dev.gatehouse.cli.AuditCommand;
import dev.gatehouse.cli.CredentialsCommand;
import dev.gatehouse.cli.KeysCommand;
import dev.gatehouse.cli.MigrateCommand;
import dev.gatehouse.cli.TeamsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gatehouse} command line. The launcher script runs this after building the jar. */
@Command(name = "gatehouse", mixinStandardHelpOptions = true, version = "Gatehouse 0.1.0",
        description = "Open-source enterprise AI gateway.",
        subcommands = {StartCommand.class, CheckCommand.class, MigrateCommand.class, KeysCommand.class, TeamsCommand.class, AuditCommand.class, CredentialsCommand.class,
                TrainingRunCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
