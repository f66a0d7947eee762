package dev.gatehouse;

import dev.gatehouse.cli.AuditCommand;
import dev.gatehouse.cli.CredentialsCommand;
import dev.gatehouse.cli.KeysCommand;
import dev.gatehouse.cli.MigrateCommand;
import dev.gatehouse.cli.TeamsCommand;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gatehouse} command line. The launcher script runs this after building the jar. */
@Command(name = "gatehouse", mixinStandardHelpOptions = true, version = "Gatehouse 0.1.0",
        description = "Open-source enterprise AI gateway.")
public final class Main implements Runnable {
    /** The subcommands, in the order the usage lists them. */
    static final List<Class<?>> COMMANDS = List.of(StartCommand.class, CheckCommand.class, MigrateCommand.class, KeysCommand.class,
            TeamsCommand.class, AuditCommand.class, CredentialsCommand.class, TrainingRunCommand.class);

    public static void main(String[] args) {
        StartCommand start = StartCommand.parsePlain(args); // null: picocli parses the line
        System.exit(start != null ? start.execute() : commandLine(args).execute(args));
    }

    /**
     * The command line for these arguments. picocli builds the model of every registered command
     * (reflection over its annotations, in classes no startup archive can hold) before parsing,
     * about 100 ms for all of ours on one core; so when the first argument names a subcommand
     * (e.g. {@code start}), only that one is registered. Anything else (no argument, --help, a
     * typo) gets all of them, for the usage and picocli's suggestions.
     */
    public static CommandLine commandLine(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        String invoked = args.length > 0 ? args[0] : null;
        boolean named = COMMANDS.stream().anyMatch(c -> name(c).equals(invoked));
        for (Class<?> command : COMMANDS) {
            if (!named || name(command).equals(invoked)) {
                commandLine.addSubcommand(name(command), newInstance(command));
            }
        }
        return commandLine;
    }

    private static String name(Class<?> command) {
        return command.getAnnotation(Command.class).name();
    }

    private static Object newInstance(Class<?> command) {
        try {
            return CommandLine.defaultFactory().create(command);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the " + name(command) + " command", e);
        }
    }

    @Override
    public void run() {
        commandLine().usage(System.out);
    }
}
