package dev.gatehouse;

import dev.gatehouse.Gatehouse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * {@code gatehouse training-run}: the workload the launcher records its class-data archive (JDK
 * 25+: AOT cache) from, right after a build, so that even the first start loads its classes
 * from the archive. It does what a real start does: a first start on a new data folder
 * (SQLite created, migrations applied), a plain and a streamed chat completion through the mock
 * provider, a stop, and a restart on the same folder (schema already current). Hidden: only the
 * launcher calls it.
 */
@Command(name = "training-run", hidden = true,
        description = "Start, serve one completion through the mock provider, restart, exit (records the startup archive).")
final class TrainingRunCommand implements Callable<Integer> {
    private static final String KEY = "sk-training-run-master-key";
    private static final String CONFIG = """
            server: {host: 127.0.0.1}
            providers:
              mock: {kind: mock, mock: {chunk-delay: 0ms}}
            models:
              gpt-4o-mini: {targets: [{provider: mock}]}
            auth:
              master-key: %s
            """.formatted(KEY);

    @Override
    public Integer call() throws IOException {
        Path folder = Files.createTempDirectory("gatehouse-training-run");
        try {
            Path config = Files.writeString(folder.resolve("gatehouse.yaml"), CONFIG);
            // Port 0: any free one, so a running gateway does not get in the way.
            Gatehouse.Options options = new Gatehouse.Options(config, null, 0, folder.resolve("data"), false);
            // What `gatehouse start` does before Gatehouse.start: its command line parsed, without running it.
            StartCommand.parsePlain("start", "--config", config.toString(), "--port", "0", "--data", folder.resolve("data").toString());
            for (int start = 0; start < 2; start++) {
                try (Gatehouse gatehouse = Gatehouse.start(options)) {
                    request(gatehouse.port(), "GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", new byte[0]);
                    complete(gatehouse.port(), false);
                    complete(gatehouse.port(), true);
                }
            }
            return 0;
        } finally {
            try (Stream<Path> files = Files.walk(folder)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** One chat completion over a plain socket (no HTTP client to train into the archive). */
    private static void complete(int port, boolean stream) throws IOException {
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        request(port, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + "Authorization: Bearer " + KEY + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n", bytes);
    }

    /** One request (head and body as given); fails unless the answer is a 200. */
    private static void request(int port, String head, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000); // a stuck start fails the recording instead of hanging the build
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!answer.startsWith("HTTP/1.1 200")) {
                throw new IOException("training request failed: " + head.lines().findFirst().orElse("") + " answered "
                        + answer.lines().findFirst().orElse("nothing"));
            }
        }
    }
}
