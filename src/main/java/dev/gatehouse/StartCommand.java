package dev.gatehouse;

import dev.gatehouse.Gatehouse;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.store.StorageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
