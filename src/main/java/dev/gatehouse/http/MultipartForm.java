package dev.gatehouse.http;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
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
    /** One uploaded file: the form field it came in, the name and type the caller gave, its bytes on disk. */
    public record FilePart(String field, String filename, String contentType, Spool spool) {
        public long length() {
            return spool.length();
        }

        /** The file's first bytes, to recognise its format (a WAV header, say). */
        public byte[] head() {
            return spool.head();
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

    /** The most files one form may carry (an image edit's images and mask). */
    static final int MAX_FILES = 20;
    /** The most text fields one form may carry. */
    static final int MAX_FIELDS = 256;
    /** The largest text field (an image edit's prompt: OpenAI allows 32,000 characters). */
    static final int MAX_FIELD_BYTES = 128 * 1024;

    /**
     * Reads the form. Fails with a 415 when the request is not {@code multipart/form-data}, a 413
     * when it is larger than {@code maxBytes}, a 400 when it is malformed. Files already spooled
     * when it fails are deleted. The request is paused while the disk catches up, so the caller's
     * upload goes no faster than the gateway can store it.
     */
    public static Future<MultipartForm> read(Vertx vertx, HttpServerRequest request, long maxBytes) {
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return Future.failedFuture(new GatewayException(ErrorType.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type must be multipart/form-data" + (type == null ? "." : ", not '" + type + "'."), null,
                    "unsupported_media_type"));
        }
        String boundary = MultipartParser.boundary(type);
        if (boundary == null) {
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
        return new Reading(vertx, request, boundary, maxBytes).start();
    }

    /** One form being read: the parser's callbacks, the spool files, and who holds the request paused. */
    private static final class Reading implements MultipartParser.Parts {
        private final Vertx vertx;
        private final HttpServerRequest request;
        private final long maxBytes;
        private final MultipartParser parser;
        private final Promise<MultipartForm> promise = Promise.promise();
        private final Map<String, List<String>> fields = new LinkedHashMap<>();
        private final List<FilePart> files = new ArrayList<>();
        private final List<Future<Void>> closing = new ArrayList<>();
        private long received;
        private long fileBytes;
        private int fieldCount;
        private String fieldName;
        private java.io.ByteArrayOutputStream fieldValue;
        private Spool spool;
        /** When the current file's spool is open (a small file may end before its file was created). */
        private Future<Void> spoolOpen;
        private boolean diskBehind;
        /** Reasons the request is paused (a spool opening, the disk behind); it resumes when none is left. */
        private int holds;

        Reading(Vertx vertx, HttpServerRequest request, String boundary, long maxBytes) {
            this.vertx = vertx;
            this.request = request;
            this.maxBytes = maxBytes;
            this.parser = new MultipartParser(boundary, this);
        }

        Future<MultipartForm> start() {
            request.handler(chunk -> {
                if (promise.future().isComplete()) {
                    return;
                }
                received += chunk.length();
                try {
                    if (received > maxBytes) {
                        throw tooLarge(maxBytes);
                    }
                    parser.feed(chunk.getBytes());
                } catch (GatewayException e) {
                    fail(e);
                }
            });
            request.exceptionHandler(failure -> fail(BodyReader.readFailure(failure)));
            RequestDeadline.whenExpired(request, timeout -> fail(RequestDeadline.timeout(timeout)));
            request.endHandler(v -> {
                try {
                    parser.finish();
                } catch (GatewayException e) {
                    fail(e);
                    return;
                }
                Future.all(closing).onComplete(all -> {
                    if (all.failed()) {
                        fail(GatewayException.invalid("The upload could not be stored.", null));
                    } else {
                        promise.tryComplete(new MultipartForm(fields, List.copyOf(files), fileBytes));
                    }
                });
            });
            request.resume();
            return promise.future();
        }

        @Override
        public void start(String name, String filename, String contentType) {
            if (filename == null) {
                if (++fieldCount > MAX_FIELDS) {
                    throw GatewayException.invalid("The form has more than " + MAX_FIELDS + " fields.", null);
                }
                fieldName = name;
                fieldValue = new java.io.ByteArrayOutputStream();
                return;
            }
            if (files.size() >= MAX_FILES) {
                throw GatewayException.invalid("The form has more than " + MAX_FILES + " files.", name);
            }
            Spool opened = Spool.create(vertx);
            spool = opened;
            files.add(new FilePart(name, filename, contentType, opened));
            hold();
            spoolOpen = opened.open();
            spoolOpen.onComplete(r -> {
                if (r.failed()) {
                    fail(GatewayException.invalid("The upload could not be stored.", name));
                } else {
                    release();
                }
            });
        }

        @Override
        public void content(byte[] bytes, int offset, int length) {
            if (spool != null) {
                fileBytes += length;
                if (spool.write(bytes, offset, length) && !diskBehind) {
                    // The disk is behind: the caller's upload waits for it. A drain handler may be
                    // called more than once, hence the flag: one hold, one release.
                    diskBehind = true;
                    hold();
                    spool.drainHandler(() -> {
                        if (diskBehind) {
                            diskBehind = false;
                            release();
                        }
                    });
                }
            } else if (fieldValue != null) {
                if (fieldValue.size() + length > MAX_FIELD_BYTES) {
                    throw GatewayException.invalid("The form field '" + fieldName + "' is longer than " + MAX_FIELD_BYTES + " bytes.",
                            fieldName);
                }
                fieldValue.write(bytes, offset, length);
            }
        }

        @Override
        public void end() {
            if (spool != null) {
                Spool ended = spool;
                spool = null;
                closing.add(spoolOpen.compose(v -> ended.close()));
            } else if (fieldValue != null) {
                fields.computeIfAbsent(fieldName, k -> new ArrayList<>()).add(fieldValue.toString(java.nio.charset.StandardCharsets.UTF_8));
                fieldValue = null;
            }
        }

        private void hold() {
            if (holds++ == 0) {
                request.pause();
            }
        }

        private void release() {
            if (--holds == 0 && !promise.future().isComplete()) {
                request.resume();
            }
        }

        private void fail(GatewayException e) {
            if (promise.tryFail(e)) {
                request.pause();
                for (FilePart file : files) {
                    file.spool().delete();
                }
            }
        }
    }

    static GatewayException tooLarge(long maxBytes) {
        return new GatewayException(ErrorType.PAYLOAD_TOO_LARGE,
                "The upload is larger than the limit of " + maxBytes + " bytes (server.max-upload-size).", null, "request_too_large");
    }
}
