package dev.gatehouse.http;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code multipart/form-data} request read without holding its files in memory: text fields
 * are kept (each bounded by the server's form attribute limit), every file part is streamed to an
 * encrypted {@link Spool} as it arrives. The whole request is bounded by {@code maxBytes}: a
 * declared Content-Length over it is refused before a byte is read, a body that crosses it as
 * soon as it does. {@link #release()} deletes the spooled files.
 */
public final class MultipartForm {
    /** The first bytes of each file, kept to recognise its format (a WAV header, say). */
    public static final int HEAD_BYTES = 64;

    /** One uploaded file: the form field it came in, the name and type the caller gave, its bytes on disk. */
    public record FilePart(String field, String filename, String contentType, Spool spool, byte[] head) {
        public long length() {
            return spool.length();
        }
    }

    private final Map<String, List<String>> fields;
    private final List<FilePart> files;
    private final long bytes;

    private MultipartForm(Map<String, List<String>> fields, List<FilePart> files, long bytes) {
        this.fields = fields;
        this.files = files;
        this.bytes = bytes;
    }

    /** Text fields by name, in the order they came; a repeated field ({@code image[]}) keeps every value. */
    public Map<String, List<String>> fields() {
        return fields;
    }

    /** The first value of a text field, or null. */
    public String field(String name) {
        List<String> values = fields.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    public List<FilePart> files() {
        return files;
    }

    /** The files sent in the field {@code name}, in order. */
    public List<FilePart> files(String name) {
        return files.stream().filter(f -> f.field().equals(name)).toList();
    }

    /** Bytes of file content received. */
    public long bytes() {
        return bytes;
    }

    /**
     * The form as the request log may keep it: the text fields and, for each file, its field,
     * name, type and size; never a file's content.
     */
    public static String describe(MultipartForm form) {
        com.fasterxml.jackson.databind.node.ObjectNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        form.fields.forEach((name, values) -> {
            if (values.size() == 1) {
                out.put(name, values.getFirst());
            } else {
                values.forEach(out.putArray(name)::add);
            }
        });
        com.fasterxml.jackson.databind.node.ArrayNode files = out.putArray("_files");
        for (FilePart file : form.files) {
            files.addObject().put("field", file.field()).put("filename", file.filename()).put("content_type", file.contentType())
                    .put("bytes", file.length());
        }
        return out.toString();
    }

    /** Deletes the spooled files (idempotent). */
    public void release() {
        for (FilePart file : files) {
            file.spool().delete();
        }
    }

    /**
     * Reads the form. Fails with a 415 when the request is not {@code multipart/form-data}, a 413
     * when it is larger than {@code maxBytes}, a 400 when it is malformed. Files already spooled
     * when it fails are deleted.
     */
    public static Future<MultipartForm> read(Vertx vertx, HttpServerRequest request, long maxBytes) {
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return Future.failedFuture(new GatewayException(ErrorType.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type must be multipart/form-data" + (type == null ? "." : ", not '" + type + "'."), null,
                    "unsupported_media_type"));
        }
        if (!type.toLowerCase(Locale.ROOT).contains("boundary=")) {
            return Future.failedFuture(GatewayException.invalid("The multipart/form-data Content-Type has no boundary.", null));
        }
        String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > maxBytes) {
                    return Future.failedFuture(tooLarge(maxBytes));
                }
            } catch (NumberFormatException e) {
                return Future.failedFuture(GatewayException.invalid("Content-Length is not a number", null));
            }
        }
        Promise<MultipartForm> promise = Promise.promise();
        List<FilePart> files = new ArrayList<>();
        List<Future<Void>> spooling = new ArrayList<>();
        long[] received = {0};
        request.setExpectMultipart(true);
        request.uploadHandler(upload -> {
            upload.pause(); // until its spool file is open
            Promise<Void> spooled = Promise.promise();
            spooling.add(spooled.future());
            Spool.create(vertx).compose(spool -> {
                byte[] head = new byte[HEAD_BYTES];
                int[] headLength = {0};
                FilePart[] part = new FilePart[1];
                files.add(part[0] = new FilePart(upload.name(), upload.filename(), upload.contentType(), spool, head));
                return spool.openForWriting().compose(file -> {
                    long before = received[0];
                    HeadCapture capture = new HeadCapture(upload, head, headLength);
                    return spool.fill(capture, file, maxBytes, () -> before, () -> tooLarge(maxBytes))
                            .andThen(r -> {
                                received[0] += spool.length();
                                file.close();
                            });
                }).map(v -> {
                    files.set(files.indexOf(part[0]), new FilePart(part[0].field(), part[0].filename(), part[0].contentType(),
                            spool, java.util.Arrays.copyOf(head, headLength[0])));
                    return (Void) null;
                });
            }).onComplete(spooled);
            // A file over the limit (or a disk failure) ends the read at once, not at the request's end.
            spooled.future().onFailure(e -> promise.tryFail(e instanceof GatewayException g ? g : BodyReader.readFailure(e)));
        });
        request.exceptionHandler(failure -> promise.tryFail(failure instanceof GatewayException g ? g : BodyReader.readFailure(failure)));
        RequestDeadline.whenExpired(request, timeout -> promise.tryFail(RequestDeadline.timeout(timeout)));
        request.endHandler(v -> Future.all(spooling).onComplete(all -> {
            if (all.failed()) {
                promise.tryFail(all.cause() instanceof GatewayException g ? g : BodyReader.readFailure(all.cause()));
                return;
            }
            Map<String, List<String>> fields = new LinkedHashMap<>();
            request.formAttributes().forEach(e -> fields.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
            promise.tryComplete(new MultipartForm(fields, List.copyOf(files), received[0]));
        }));
        request.resume();
        Future<MultipartForm> read = promise.future();
        read.onFailure(e -> {
            request.pause();
            for (FilePart file : files) {
                file.spool().delete();
            }
        });
        return read;
    }

    static GatewayException tooLarge(long maxBytes) {
        return new GatewayException(ErrorType.PAYLOAD_TOO_LARGE,
                "The upload is larger than the limit of " + maxBytes + " bytes (server.max-upload-size).", null, "request_too_large");
    }

    /** The upload as a stream, keeping a copy of its first {@link #HEAD_BYTES} bytes on the way. */
    private record HeadCapture(HttpServerFileUpload upload, byte[] head, int[] headLength)
            implements io.vertx.core.streams.ReadStream<io.vertx.core.buffer.Buffer> {
        @Override
        public HeadCapture exceptionHandler(io.vertx.core.Handler<Throwable> handler) {
            upload.exceptionHandler(handler);
            return this;
        }

        @Override
        public HeadCapture handler(io.vertx.core.Handler<io.vertx.core.buffer.Buffer> handler) {
            upload.handler(chunk -> {
                if (headLength[0] < head.length) {
                    int n = Math.min(head.length - headLength[0], chunk.length());
                    chunk.getBytes(0, n, head, headLength[0]);
                    headLength[0] += n;
                }
                handler.handle(chunk);
            });
            return this;
        }

        @Override
        public HeadCapture pause() {
            upload.pause();
            return this;
        }

        @Override
        public HeadCapture resume() {
            upload.resume();
            return this;
        }

        @Override
        public HeadCapture fetch(long amount) {
            upload.fetch(amount);
            return this;
        }

        @Override
        public HeadCapture endHandler(io.vertx.core.Handler<Void> endHandler) {
            upload.endHandler(endHandler);
            return this;
        }
    }
}
