package dev.gatehouse.api.rag;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * A multipart upload read into memory instead of a file: for ephemeral knowledge bases (zero data
 * retention), whose files must never touch the disk. The {@code file} part is bounded by the size
 * limit as it arrives (a 413 past it); the form fields are read by Vert.x as usual.
 */
final class MemoryUpload {
    static final String KEY = "gatehouse.rag.memory-upload";

    private int files;
    private String filename;
    private Buffer content = Buffer.buffer();
    private boolean failed;

    /** How many {@code file} parts came. */
    int files() {
        return files;
    }

    String filename() {
        return filename;
    }

    byte[] bytes() {
        return content.getBytes();
    }

    /** Reads the request's body (paused until now), then hands on to the next handler with the upload at {@link #KEY}. */
    static void read(RoutingContext ctx, long maxBytes) {
        HttpServerRequest request = ctx.request();
        MemoryUpload upload = new MemoryUpload();
        request.setExpectMultipart(true);
        request.uploadHandler(part -> {
            if (!part.name().equals("file")) {
                part.handler(ignored -> { });
                return;
            }
            upload.files++;
            upload.filename = part.filename();
            Buffer content = Buffer.buffer();
            upload.content = content;
            part.handler(chunk -> {
                if (upload.failed) {
                    return;
                }
                if ((long) content.length() + chunk.length() > maxBytes) {
                    upload.failed = true;
                    upload.content = Buffer.buffer(); // drop what came: it is not kept
                    ctx.fail(413);
                    return;
                }
                content.appendBuffer(chunk);
            });
        });
        request.exceptionHandler(e -> {
            if (!upload.failed) {
                upload.failed = true;
                ctx.fail(400, e);
            }
        });
        request.endHandler(v -> {
            if (!upload.failed) {
                ctx.put(KEY, upload);
                ctx.next();
            }
        });
        request.resume();
    }
}
