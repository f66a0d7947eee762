package dev.gatehouse;

import dev.gatehouse.Gatehouse;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.store.StorageException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gatehouse start}: runs the gateway until interrupted. */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Start the gateway. Without a config file it serves a demo config backed by the built-in mock provider.")
final class StartCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config (default: ./gatehouse.yaml if present, else the built-in demo)")
    Path config;

    @Option(names = "--host", description = "Address to listen on (default: server.host, 127.0.0.1)")
    String host;

    @Option(names = "--port", description = "Port to listen on (default: server.port, 8080; 0 picks a free one)")
    Integer port;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder for the SQLite database and local files (default: ./data)")
    Path data = Path.of("data");

    @Option(names = "--migrate-at-start", paramLabel = "true|false", arity = "1",
            description = "Apply pending database migrations at start (default: storage.migrate-at-start, true); with false a node"
                    + " whose schema is behind refuses to start: run 'gatehouse migrate' first")
    Boolean migrateAtStart;

    @Option(names = "--reset-master-key", description = "Generate a new master key (when none is configured) and show it once")
    boolean resetMasterKey;

    /**
     * The command for a plain {@code start} line, parsed without picocli, or null when the line is
     * anything else: picocli then parses it as always (help, version, mistakes and their messages,
     * anything unusual). picocli's classes are of a class-file version that no startup archive can
     * hold, so each start loaded, verified and interpreted ~170 of them, and built the model of
     * every option by reflection, 100-150 ms of a one-core start. Plain means: {@code start}, then
     * this command's own options, each at most once, as {@code --name value} or
     * {@code --name=value}, with values picocli would convert the same way.
     */
    static StartCommand parsePlain(String... args) {
        if (args.length == 0 || !"start".equals(args[0])) {
            return null;
        }
        StartCommand command = new StartCommand();
        Set<String> seen = new HashSet<>();
        try {
            for (int i = 1; i < args.length; i++) {
                String name = args[i];
                String value = null;
                int equals = name.indexOf('=');
                if (name.startsWith("--") && equals > 0) {
                    value = name.substring(equals + 1);
                    name = name.substring(0, equals);
                }
                if (!seen.add(name)) {
                    return null; // picocli refuses a repeated option
                }
                if (name.equals("--reset-master-key")) {
                    if (value != null) {
                        return null;
                    }
                    command.resetMasterKey = true;
                    continue;
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        return null;
                    }
                    value = args[++i];
                }
                if (value.isEmpty() || value.startsWith("-")) {
                    return null;
                }
                switch (name) {
                    case "--config" -> command.config = Path.of(value);
                    case "--host" -> command.host = value;
                    case "--port" -> {
                        if (!value.matches("[0-9]{1,5}")) {
                            return null;
                        }
                        command.port = Integer.valueOf(value);
                    }
                    case "--data" -> command.data = Path.of(value);
                    case "--migrate-at-start" -> {
                        if (!value.equals("true") && !value.equals("false")) {
                            return null;
                        }
                        command.migrateAtStart = Boolean.valueOf(value);
                    }
                    default -> {
                        return null;
                    }
                }
            }
        } catch (InvalidPathException e) {
            return null;
        }
        return command;
    }

    /** Runs a command from {@link #parsePlain}: what picocli's execute would do with it. */
    int execute() {
        try {
            return call();
        } catch (Exception e) {
            e.printStackTrace();
            return 1;
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        if (config != null && !Files.isRegularFile(config)) {
            System.err.println("gatehouse: config file " + config + " does not exist");
            return 2;
        }
        long started = System.nanoTime();
        Gatehouse gatehouse;
        try {
            gatehouse = Gatehouse.start(new Gatehouse.Options(config, host, port, data, resetMasterKey, List.of(), null, migrateAtStart));
        } catch (ConfigException | StorageException | IllegalArgumentException e) {
            System.err.println("gatehouse: cannot start: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.err.println("gatehouse: cannot start: " + cause.getMessage());
            return 1;
        }
        printBanner(gatehouse, (System.nanoTime() - started) / 1_000_000);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (a Kubernetes pod stopped, docker stop) or Ctrl-C: drain (not ready, new calls
        // refused, calls in flight finish up to server.drain-timeout), then close and flush.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("gatehouse: stopping (draining calls in flight)");
            gatehouse.drainAndClose();
            stopped.countDown();
        }, "gatehouse-shutdown"));
        stopped.await();
        return 0;
    }

    private static void printBanner(Gatehouse gatehouse, long startMillis) {
        String url = "http://" + gatehouse.host() + ":" + gatehouse.port();
        StringBuilder out = new StringBuilder();
        out.append("\nGatehouse is listening on ").append(url).append("  (ready in ").append(startMillis).append(" ms)\n");
        out.append("  OpenAI-compatible API: ").append(url).append("/v1\n");
        out.append("  Admin console:         ").append(url).append("/ui/  (sign in with the master key)\n");
        out.append("  config:  ").append(gatehouse.initialConfig().source() == null
                ? "built-in demo (mock provider, no internet needed); write gatehouse.yaml to configure"
                : gatehouse.initialConfig().source().toString()).append('\n');
        out.append("  storage: ").append(gatehouse.storageUrl()).append('\n');
        out.append("  models:  ").append(String.join(", ", gatehouse.initialConfig().models().keySet())).append("\n\n");
        switch (gatehouse.masterKeyOrigin()) {
            case "generated" -> out.append("A master key was generated. It is shown only this once (only its hash is stored):\n\n    ")
                    .append(gatehouse.generatedMasterKey())
                    .append("\n\nAuthenticate with:  Authorization: Bearer <master key>\n")
                    .append("Lost it? Restart with --reset-master-key, or set GATEHOUSE_MASTER_KEY.\n");
            case "stored" -> out.append("Authenticate with the master key shown at first start (Authorization: Bearer <key>).\n")
                    .append("Lost it? Restart with --reset-master-key, or set GATEHOUSE_MASTER_KEY.\n");
            default -> out.append("Authenticate with the master key from the config (auth.master-key): Authorization: Bearer <key>\n");
        }
        out.append("\nTry it:\n  curl ").append(url).append("/v1/chat/completions -H \"Authorization: Bearer $KEY\" \\\n")
                .append("    -H 'Content-Type: application/json' \\\n")
                .append("    -d '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}'\n");
        System.out.println(out);
    }
}
