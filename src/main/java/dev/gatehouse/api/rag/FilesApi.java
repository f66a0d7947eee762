package dev.gatehouse.api.rag;

import dev.gatehouse.api.Ingress;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.rag.KnowledgeBase;
import dev.gatehouse.rag.KnowledgeBases;
import dev.gatehouse.rag.RagStore;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * {@code /v1/files}: upload (multipart, streamed to disk as it arrives, never held in memory),
 * list, retrieve, content and delete, as OpenAI's Files API. A file belongs to the caller's team;
 * another team's file id is a 404 on every route. Deleting a file removes its chunks from every
 * vector store and from search before the answer.
 */
public final class FilesApi {
    private static final Set<String> PURPOSES = Set.of("assistants", "batch", "fine-tune", "vision", "user_data", "evals");
    private static final String CALL = "gatehouse.rag.call";
    private static final String OWNER = "gatehouse.rag.owner";
    /** Room for the multipart framing and the purpose field around the file. */
    private static final long FRAMING = 64 * 1024;
    private static final int MAX_FILENAME = 255;

    private final RagHttp http;
    private final Ingress ingress;
    private final KnowledgeBases kbs;
    private final LongSupplier maxFileBytes;

    public FilesApi(Ingress ingress, KnowledgeBases kbs, LongSupplier maxFileBytes) {
        this.http = new RagHttp(ingress, kbs);
        this.ingress = ingress;
        this.kbs = kbs;
        this.maxFileBytes = maxFileBytes;
    }

    public void mount(Router router) {
        for (String prefix : new String[] {"/v1", ""}) {
            router.post(prefix + "/files").handler(this::admitUpload).handler(this::readUpload).handler(this::create)
                    .failureHandler(FilesApi::uploadFailed);
            router.get(prefix + "/files").handler(this::list);
            router.get(prefix + "/files/:id").handler(this::retrieve);
            router.get(prefix + "/files/:id/content").handler(this::content);
            router.delete(prefix + "/files/:id").handler(this::delete);
        }
    }

    /** The caller is checked before a byte of the body is read: an unknown key uploads nothing. */
    private void admitUpload(RoutingContext ctx) {
        ctx.request().pause();
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        Call call = RagHttp.call(ctx, Endpoint.FILES);
        ingress.gateway().admit(call).onComplete(admitted -> {
            try {
                if (admitted.failed()) {
                    throw admitted.cause();
                }
                String owner = RagHttp.owner(call, kbs);
                if (type == null || !type.regionMatches(true, 0, "multipart/form-data", 0, 19)) {
                    throw new GatewayException(ErrorType.UNSUPPORTED_MEDIA_TYPE, "Upload files as multipart/form-data with fields"
                            + " 'file' and 'purpose', not '" + type + "'.", null, "unsupported_media_type");
                }
                ctx.put(CALL, call);
                ctx.put(OWNER, owner);
                ctx.next();
            } catch (Throwable e) {
                RagHttp.fail(ctx, call, e);
                // The body is read and dropped (within server.request-timeout), so the client sees the answer.
                ctx.request().handler(ignored -> { }).resume();
            }
        });
    }

    private void readUpload(RoutingContext ctx) {
        KnowledgeBase kb = kbs.of(ctx.get(OWNER));
        if (kb.ephemeral()) {
            MemoryUpload.read(ctx, maxFileBytes.getAsLong());
            return;
        }
        BodyHandler.create(kb.uploads().toString()).setBodyLimit(maxFileBytes.getAsLong() + FRAMING)
                .setDeleteUploadedFilesOnEnd(true).setHandleFileUploads(true).setMergeFormAttributes(false).handle(ctx);
    }

    private static void uploadFailed(RoutingContext ctx) {
        int status = ctx.statusCode();
        Call call = ctx.get(CALL);
        GatewayException error = status == 413 ? tooLarge()
                : ctx.failure() instanceof GatewayException g ? g
                : new GatewayException(ErrorType.INVALID_REQUEST, "The multipart body could not be read.", "file", "invalid_multipart");
        RagHttp.fail(ctx, call, error);
    }

    private static GatewayException tooLarge() {
        return new GatewayException(ErrorType.PAYLOAD_TOO_LARGE, "The file is larger than this gateway accepts"
                + " (rag.max-file-size).", "file", "file_too_large");
    }

    private void create(RoutingContext ctx) {
        Call call = ctx.get(CALL);
        String owner = ctx.get(OWNER);
        KnowledgeBase kb = kbs.of(owner);
        MemoryUpload inMemory = kb.ephemeral() ? ctx.get(MemoryUpload.KEY) : null;
        Future<RagStore.FileRow> created;
        try {
            List<FileUpload> uploads = inMemory != null ? List.of() : ctx.fileUploads().stream().filter(u -> u.name().equals("file")).toList();
            int count = inMemory != null ? inMemory.files() : uploads.size();
            if (count != 1) {
                throw GatewayException.invalid(count == 0 ? "Missing required parameter: 'file'."
                        : "Send one 'file' per upload.", "file");
            }
            FileUpload upload = inMemory != null ? null : uploads.getFirst();
            long size = inMemory != null ? inMemory.bytes().length : upload.size();
            if (size > maxFileBytes.getAsLong()) {
                throw tooLarge();
            }
            String purpose = ctx.request().getFormAttribute("purpose");
            if (purpose == null || purpose.isBlank()) {
                throw GatewayException.invalid("Missing required parameter: 'purpose'.", "purpose");
            }
            if (!PURPOSES.contains(purpose)) {
                throw GatewayException.invalid("Invalid 'purpose': expected one of " + String.join(", ", PURPOSES.stream().sorted()
                        .toList()) + "; got '" + purpose + "'.", "purpose");
            }
            String filename = filename(inMemory != null ? inMemory.filename() : upload.fileName());
            RagStore.FileRow row = new RagStore.FileRow(RagHttp.id("file-"), owner, filename, purpose, size, RagHttp.now());
            if (inMemory != null) {
                if (!kb.keep(row.id(), inMemory.bytes())) {
                    throw new GatewayException(ErrorType.PAYLOAD_TOO_LARGE, "The gateway's memory for ephemeral files is full"
                            + " (rag.ephemeral.max-size): delete files or try later.", "file", "ephemeral_space_full");
                }
                created = RagHttp.on(ctx, kb.addKeptFile(row)).map(v -> row);
            } else {
                created = RagHttp.on(ctx, kb.addFile(Path.of(upload.uploadedFileName()), row)).map(v -> row);
            }
        } catch (GatewayException e) {
            RagHttp.fail(ctx, call, e);
            return;
        }
        RagHttp.respond(ctx, call, created.map(RagJson::file));
    }

    /** The name as shown: without any path a browser sent, at most 255 characters, never empty. */
    private static String filename(String sent) {
        String name = sent == null ? "" : sent.replace('\\', '/');
        name = name.substring(name.lastIndexOf('/') + 1).strip();
        if (name.isEmpty()) {
            name = "upload";
        }
        return name.length() > MAX_FILENAME ? name.substring(0, MAX_FILENAME) : name;
    }

    private void list(RoutingContext ctx) {
        http.serve(ctx, Endpoint.FILES, (call, owner, body) -> {
            ListParams page = ListParams.of(ctx, 10_000);
            String purpose = ctx.request().getParam("purpose");
            return RagHttp.on(ctx, kbs.of(owner).store().files(owner, purpose, page.limit(), page.ascending(), page.after()))
                    .map(p -> ListParams.list(p.rows(), p.hasMore(), RagJson::file));
        });
    }

    private void retrieve(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        http.serve(ctx, Endpoint.FILES, (call, owner, body) -> found(ctx, owner, id).map(RagJson::file));
    }

    private Future<RagStore.FileRow> found(RoutingContext ctx, String owner, String id) {
        return RagHttp.on(ctx, kbs.of(owner).store().file(owner, id)).map(f -> {
            if (f == null) {
                throw notFound(id);
            }
            return f;
        });
    }

    static GatewayException notFound(String id) {
        return new GatewayException(ErrorType.NOT_FOUND, "No such File object: " + id, "id", "not_found");
    }

    /** The file's bytes, sent from disk. */
    private void content(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        Call call = RagHttp.call(ctx, Endpoint.FILES);
        // In server mode the bytes may be on another node's disk only: this node fetches them from the database first.
        ingress.gateway().admit(call).compose(v -> found(ctx, RagHttp.owner(call, kbs), id)).compose(f -> {
            KnowledgeBase kb = kbs.of(f.owner());
            if (kb.ephemeral()) {
                byte[] bytes = kb.bytes(id);
                if (bytes == null) {
                    throw gone(id);
                }
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream").end(io.vertx.core.buffer.Buffer.buffer(bytes));
                return Future.<Path>succeededFuture(null);
            }
            return RagHttp.on(ctx, kb.localCopyAsync(id));
        }).onComplete(done -> {
            if (done.succeeded() && done.result() == null) {
                return; // sent from memory
            }
            if (done.failed()) {
                RagHttp.fail(ctx, call, done.cause() instanceof java.nio.file.NoSuchFileException ? gone(id) : done.cause());
                return;
            }
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream")
                    .sendFile(done.result().toString())
                    .onFailure(e -> RagHttp.fail(ctx, call, gone(id)));
        });
    }

    private static GatewayException gone(String id) {
        return new GatewayException(ErrorType.NOT_FOUND, "The content of file " + id + " is no longer available.", "id", "not_found");
    }

    private void delete(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        http.serve(ctx, Endpoint.FILES, (call, owner, body) -> RagHttp.on(ctx, kbs.of(owner).deleteFile(owner, id)).map(deleted -> {
            if (!deleted) {
                throw notFound(id);
            }
            return RagHttp.deleted(id, "file");
        }));
    }
}
