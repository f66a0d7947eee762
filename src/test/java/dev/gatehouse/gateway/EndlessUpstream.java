package dev.gatehouse.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-format upstream that streams as fast as its socket accepts, for ever, and counts
 * what the gateway took. A blocking socket per stream: once the gateway stops reading, the
 * write blocks and the count stops growing — which is what back-pressure looks like from here.
 */
final class EndlessUpstream implements AutoCloseable {
    private static final byte[] BLOCK = block();
    private final ServerSocket server;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicInteger streams = new AtomicInteger();

    EndlessUpstream() throws IOException {
        server = new ServerSocket(0, 2048, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "endless-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/v1";
    }

    /** Bytes of body the gateway has taken so far, over every stream. */
    long accepted() {
        return accepted.get();
    }

    /** Streams whose head was sent. */
    int streams() {
        return streams.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSendBufferSize(64 * 1024); // keep the kernel's share small and predictable
            readHead(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            streams.incrementAndGet();
            byte[] size = (Integer.toHexString(BLOCK.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] crlf = {'\r', '\n'};
            while (true) {
                out.write(size);
                out.write(BLOCK);
                out.write(crlf);
                accepted.addAndGet(BLOCK.length);
            }
        } catch (IOException e) {
            // the gateway hung up: the stream is over
        }
    }

    /** Reads the request head and a Content-Length body. */
    static void readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
    }

    /** 16 KiB or so of complete SSE events, a word each, as providers send them. */
    private static byte[] block() {
        String event = "data: {\"id\":\"chatcmpl-endless\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + "lorem "
                + "\"},\"finish_reason\":null}]}\n\n";
        return event.repeat(Math.max(1, 16 * 1024 / event.length())).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
