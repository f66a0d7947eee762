package dev.gatehouse.cli;

import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.audit.AuditQuery;
import dev.gatehouse.audit.Times;
import dev.gatehouse.audit.VerifyResult;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.StorageException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gatehouse audit verify|export}: the admin audit trail, read straight from the database. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Verify or export the admin audit trail.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class})
public final class AuditCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check the hash chain. Exit 0 and 'audit chain intact: N entries', or exit 1 naming the first broken entry.")
    static final class Verify implements Callable<Integer> {
        @Mixin
        StorageOptions storage;

        @Override
        public Integer call() {
            PrintStream stdout = System.out;
            System.setOut(System.err); // log lines (the console appender writes to System.out) go to stderr
            try {
                return verify(stdout);
            } finally {
                System.setOut(stdout);
            }
        }

        private int verify(PrintStream stdout) {
            try (Database db = storage.open(storage.loadConfig())) {
                VerifyResult result = new AuditLog(db).verify();
                if (result.intact()) {
                    stdout.println(result.message());
                    return 0;
                }
                System.err.println(result.message());
                return 1;
            } catch (ConfigException | StorageException | IllegalArgumentException e) {
                System.err.println("gatehouse: audit verify: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the audit trail as JSON Lines, oldest first.")
    static final class Export implements Callable<Integer> {
        @Mixin
        StorageOptions storage;

        @Option(names = "--since", paramLabel = "TIME", description = "Only entries at or after TIME (epoch ms, 2025-01-31 or 2025-01-31T12:00:00Z)")
        String since;

        @Option(names = "--until", paramLabel = "TIME", description = "Only entries before TIME")
        String until;

        @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE (default: standard output)")
        Path out;

        @Override
        public Integer call() {
            PrintStream stdout = System.out;
            System.setOut(System.err); // only JSON Lines on stdout: log lines go to stderr
            try {
                return export(stdout);
            } finally {
                System.setOut(stdout);
            }
        }

        private int export(PrintStream stdout) {
            try (Database db = storage.open(storage.loadConfig())) {
                AuditQuery query = new AuditQuery(null, null, null, null, Times.parse(since), Times.parse(until));
                AuditLog log = new AuditLog(db);
                long[] count = {0};
                Writer writer = out == null
                        ? new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8))
                        : Files.newBufferedWriter(out, StandardCharsets.UTF_8);
                try {
                    log.export(query, entry -> {
                        try {
                            writer.write(log.toJsonLine(entry));
                            writer.write('\n');
                            count[0]++;
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                } finally {
                    if (out == null) {
                        writer.flush(); // standard output stays open
                    } else {
                        writer.close();
                    }
                }
                if (out != null) {
                    System.err.println("gatehouse: exported " + count[0] + " audit entries to " + out);
                }
                return 0;
            } catch (ConfigException | StorageException | IllegalArgumentException e) {
                System.err.println("gatehouse: audit export: " + e.getMessage());
                return 2;
            } catch (IOException | UncheckedIOException e) {
                System.err.println("gatehouse: audit export: cannot write: " + e.getMessage());
                return 2;
            }
        }
    }
}
