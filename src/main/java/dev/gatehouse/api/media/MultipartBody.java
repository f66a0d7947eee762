package dev.gatehouse.api.media;

import dev.gatehouse.http.MultipartForm;
import dev.gatehouse.provider.Upload;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A caller's form re-encoded for one upstream: its text fields (the model replaced) first, then
 * its files, each streamed from its spool file as the upstream reads, so an upload is never whole
 * in memory and can be sent to as many targets as the plan needs. The length is exact (sent as
 * Content-Length), computed from the parts before anything is written.
 */
final class MultipartBody implements Upload {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String boundary;
    /** The encoded text fields and each file's part header, in order; a file's content goes after each header. */
    private final Buffer fields;
    private final List<Buffer> fileHeaders = new ArrayList<>();
    private final List<MultipartForm.FilePart> files;
    private final long length;

    MultipartBody(MultipartForm form, String model) {
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        this.boundary = "gatehouse-" + HexFormat.of().formatHex(random);
        this.files = form.files();
        Buffer encoded = Buffer.buffer();
        field(encoded, "model", model);
        for (Map.Entry<String, List<String>> e : form.fields().entrySet()) {
            if (!e.getKey().equals("model")) {
                for (String value : e.getValue()) {
                    field(encoded, e.getKey(), value);
                }
            }
        }
        this.fields = encoded;
        long total = encoded.length();
        for (MultipartForm.FilePart file : files) {
            String type = file.contentType() == null || file.contentType().isBlank() ? "application/octet-stream" : file.contentType();
            Buffer header = Buffer.buffer("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + quoted(file.field())
                    + "\"; filename=\"" + quoted(file.filename() == null ? "file" : file.filename()) + "\"\r\nContent-Type: "
                    + type.replaceAll("[\r\n]", "") + "\r\n\r\n", "UTF-8");
            fileHeaders.add(header);
            total += header.length() + file.length() + 2; // CRLF after the content
        }
        this.length = total + closing().length();
    }

    /** The Content-Type of this body, boundary included. */
    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public Future<Void> writeTo(WriteStream<Buffer> out) {
        Future<Void> written = out.write(fields.copy());
        for (int i = 0; i < files.size(); i++) {
            Buffer header = fileHeaders.get(i);
            MultipartForm.FilePart file = files.get(i);
            written = written.compose(v -> out.write(header.copy())).compose(v -> file.spool().writeTo(out))
                    .compose(v -> out.write(Buffer.buffer("\r\n")));
        }
        return written.compose(v -> out.write(closing()));
    }

    private Buffer closing() {
        return Buffer.buffer("--" + boundary + "--\r\n");
    }

    private void field(Buffer out, String name, String value) {
        out.appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + quoted(name) + "\"\r\n\r\n")
                .appendBytes(value.getBytes(StandardCharsets.UTF_8)).appendString("\r\n");
    }

    /** A name for a quoted header parameter: quotes and line breaks escaped as browsers do. */
    private static String quoted(String name) {
        return name.replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }
}
