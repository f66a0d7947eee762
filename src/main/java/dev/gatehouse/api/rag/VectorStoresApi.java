package dev.gatehouse.api.rag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.api.Ingress;
import dev.gatehouse.api.Loopback;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.rag.ChunkIndex;
import dev.gatehouse.rag.Ingestion;
import dev.gatehouse.rag.KnowledgeBase;
import dev.gatehouse.rag.KnowledgeBases;
import dev.gatehouse.rag.RagStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /v1/vector_stores} as OpenAI's API: stores (create, list, retrieve, modify, delete), their
 * files ({@code /files}: attach with {@code chunking_strategy} and {@code attributes}, list, retrieve,
 * update attributes, content, detach), batches ({@code /file_batches}) and {@code /search}. Everything
 * belongs to the caller's team: another team's store or file id is a 404 on every route, unless an
 * access policy shares the store with the caller; then it is read-only: retrieve, list and search
 * work, and every change (and a file's content) is a 403. Attaching answers at once with the file
 * {@code in_progress}; ingestion runs in the background.
 */
public final class VectorStoresApi {
    private static final int MAX_FILES_PER_REQUEST = 500;

    private final RagHttp http;
    private final KnowledgeBases kbs;
    private final StoreSearch search;
    private final Supplier<String> embeddingModel;
    private final QueryRewriter rewriter;

    /**
     * @param embeddingModel the model new stores embed with (null: keywords only)
     * @param rewriter asks the rewrite model for {@code rewrite_query: true}
     */
    public VectorStoresApi(Ingress ingress, KnowledgeBases kbs, StoreSearch search, Supplier<String> embeddingModel,
            QueryRewriter rewriter) {
        this.http = new RagHttp(ingress, kbs);
        this.kbs = kbs;
        this.search = search;
        this.embeddingModel = embeddingModel;
        this.rewriter = rewriter;
    }

    public void mount(Router router) {
        for (String p : new String[] {"/v1/vector_stores", "/vector_stores"}) {
            router.post(p).handler(this::create);
            router.get(p).handler(this::list);
            router.get(p + "/:id").handler(this::retrieve);
            router.post(p + "/:id").handler(this::modify);
            router.delete(p + "/:id").handler(this::delete);
            router.post(p + "/:id/files").handler(this::attach);
            router.get(p + "/:id/files").handler(this::files);
            router.get(p + "/:id/files/:fid").handler(this::file);
            router.post(p + "/:id/files/:fid").handler(this::updateFile);
            router.get(p + "/:id/files/:fid/content").handler(this::fileContent);
            router.delete(p + "/:id/files/:fid").handler(this::detach);
            router.post(p + "/:id/file_batches").handler(this::createBatch);
            router.get(p + "/:id/file_batches/:bid").handler(this::batch);
            router.post(p + "/:id/file_batches/:bid/cancel").handler(this::cancelBatch);
            router.get(p + "/:id/file_batches/:bid/files").handler(this::batchFiles);
            router.post(p + "/:id/search").handler(this::search);
        }
    }

    // ---- stores

    private void create(RoutingContext ctx) {
        http.serveJson(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> {
            String name = RagParams.string(body, "name");
            String metadata = RagParams.metadata(body.get("metadata"), "metadata");
            Integer days = RagParams.expiresDays(body.get("expires_after"), "expires_after");
            List<String> fileIds = fileIds(body.get("file_ids"), "file_ids", false);
            RagParams.Chunking chunking = RagParams.chunking(body.get("chunking_strategy"), "chunking_strategy");
            long now = RagHttp.now();
            RagStore.StoreRow row = new RagStore.StoreRow(RagHttp.id("vs_"), owner, name, now, now, metadata, days,
                    days == null ? null : now + days * 86_400L, embeddingModel.get());
            return ownedFiles(ctx, owner, fileIds, "file_ids")
                    .compose(files -> RagHttp.on(ctx, kb(owner).store().insertStore(row))
                            .compose(v -> attachAll(ctx, call, row, files, null, chunking, Map.of())))
                    .compose(v -> rendered(ctx, row));
        });
    }

    /**
     * The caller's stores; with {@code include=shared} also the stores access policies share with it,
     * in the same order and pages (each marked {@code gatehouse_shared: true}).
     */
    private void list(RoutingContext ctx) {
        http.serve(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> {
            ListParams page = ListParams.of(ctx);
            boolean withShared = includeShared(ctx);
            RagStore store = kb(owner).store();
            // Sharing is between the gateway's own stores: never for an ephemeral (zero-data-retention) owner.
            boolean scan = withShared && !kb(owner).ephemeral() && call.principal() != null
                    && call.principal().rules().sharesVectorStores();
            var rows = scan ? store.readableStores(owner, s -> call.principal().rules().mayReadVectorStore(s.id(),
                    RagHttp.ownerTeam(s.owner())), page.limit(), page.ascending(), page.after())
                    : store.stores(owner, page.limit(), page.ascending(), page.after());
            return RagHttp.on(ctx, rows).compose(p -> {
                List<Future<ObjectNode>> rendered = p.rows().stream().map(s -> rendered(ctx, s, owner)).toList();
                return Future.all(rendered).map(all -> ListParams.list(rendered.stream().map(Future::result).toList(), p.hasMore(),
                        o -> o));
            });
        });
    }

    private void retrieve(RoutingContext ctx) {
        http.serve(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> readable(ctx, call, owner)
                .compose(s -> rendered(ctx, s, owner)));
    }

    /** {@code include}: absent (the caller's own stores) or {@code shared} (with those shared with it). */
    private static boolean includeShared(RoutingContext ctx) {
        List<String> include = new ArrayList<>(ctx.request().params().getAll("include"));
        include.addAll(ctx.request().params().getAll("include[]"));
        for (String value : include) {
            if (!value.equals("shared")) {
                throw GatewayException.invalid("Invalid 'include': the only value is 'shared' (list the stores access policies"
                        + " share with you too).", "include");
            }
        }
        return !include.isEmpty();
    }

    private void modify(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        http.serveJson(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> {
            String name = RagParams.string(body, "name");
            String metadata = body.has("metadata") ? RagParams.metadata(body.get("metadata"), "metadata") : null;
            Integer days = RagParams.expiresDays(body.get("expires_after"), "expires_after");
            return writable(ctx, call, owner)
                    .compose(own -> RagHttp.on(ctx, kb(owner).store().updateStore(owner, id, name, metadata, days, body.has("expires_after"))))
                    .compose(s -> {
                        if (s == null) {
                            throw storeNotFound(id);
                        }
                        return rendered(ctx, s);
                    });
        });
    }

    private void delete(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        http.serve(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> writable(ctx, call, owner)
                .compose(own -> RagHttp.on(ctx, kb(owner).deleteStore(owner, id))).map(deleted -> {
                    if (!deleted) {
                        throw storeNotFound(id);
                    }
                    return RagHttp.deleted(id, "vector_store.deleted");
                }));
    }

    // ---- files in a store

    private void attach(RoutingContext ctx) {
        http.serveJson(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> {
            String fileId = RagParams.string(body, "file_id");
            if (fileId == null) {
                throw GatewayException.invalid("Missing required parameter: 'file_id'.", "file_id");
            }
            RagParams.Chunking chunking = RagParams.chunking(body.get("chunking_strategy"), "chunking_strategy");
            Map<String, Object> attributes = RagParams.attributes(body.get("attributes"), "attributes");
            return writable(ctx, call, owner).compose(store -> ownedFiles(ctx, owner, List.of(fileId), "file_id")
                    .compose(files -> attachAll(ctx, call, store, files, null, chunking, attributes)))
                    .map(rows -> RagJson.storeFile(rows.getFirst()));
        });
    }

    private void files(RoutingContext ctx) {
        http.serve(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> readable(ctx, call, owner)
                .compose(s -> storeFiles(ctx, s, null)));
    }

    /** A readable store's files (the store's owner's rows: a shared store lists its owner's files). */
    private Future<ObjectNode> storeFiles(RoutingContext ctx, RagStore.StoreRow s, String batchId) {
        ListParams page = ListParams.of(ctx);
        String status = status(ctx.request().getParam("filter"));
        return RagHttp.on(ctx, kb(s.owner()).store().storeFiles(s.owner(), s.id(), batchId, status, page.limit(), page.ascending(),
                page.after())).map(p -> ListParams.list(p.rows(), p.hasMore(), RagJson::storeFile));
    }

    private static String status(String filter) {
        if (filter == null) {
            return null;
        }
        if (!List.of("in_progress", "completed", "failed", "cancelled").contains(filter)) {
            throw GatewayException.invalid("Invalid 'filter': expected in_progress, completed, failed or cancelled.", "filter");
        }
        return filter;
    }

    private void file(RoutingContext ctx) {
        String fileId = ctx.pathParam("fid");
        http.serve(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> readable(ctx, call, owner)
                .compose(s -> RagHttp.on(ctx, kb(s.owner()).store().storeFile(s.owner(), s.id(), fileId))).map(f -> {
                    if (f == null) {
                        throw fileNotFound(fileId);
                    }
                    return RagJson.storeFile(f);
                }));
    }

    /** {@code POST …/files/{file_id}}: replaces the file's {@code attributes} in place (nothing is embedded again). */
    private void updateFile(RoutingContext ctx) {
        String fileId = ctx.pathParam("fid");
        http.serveJson(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> {
            if (!body.has("attributes")) {
                throw GatewayException.invalid("Missing required parameter: 'attributes'.", "attributes");
            }
            Map<String, Object> attributes = RagParams.attributes(body.get("attributes"), "attributes");
            String json = OpenAiJson.MAPPER.valueToTree(attributes).toString();
            return writable(ctx, call, owner).compose(s -> RagHttp.on(ctx, kb(owner).updateAttributes(owner, s.id(), fileId, attributes,
                    json))).map(f -> {
                        if (f == null) {
                            throw fileNotFound(fileId);
                        }
                        if (f.status().equals("in_progress")) {
                            // Ingestion indexes the attributes it started with: changing them now would be lost.
                            throw new GatewayException(ErrorType.INVALID_REQUEST, "Vector store file " + fileId + " is still being"
                                    + " ingested: update its attributes once its status is completed.", "file_id", "file_in_progress");
                        }
                        return RagJson.storeFile(f);
                    });
        });
    }

    /**
     * {@code GET …/files/{file_id}/content}: the text of the file's chunks as parsed, in OpenAI's page
     * shape. Owner only: a store shared by policy may be searched, but its files' content is not read
     * whole by another team (a 403).
     */
    private void fileContent(RoutingContext ctx) {
        String fileId = ctx.pathParam("fid");
        http.serve(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> writable(ctx, call, owner)
                .compose(s -> RagHttp.on(ctx, kb(owner).store().storeFile(owner, s.id(), fileId)))
                .compose(f -> {
                    if (f == null) {
                        throw fileNotFound(fileId);
                    }
                    return RagHttp.on(ctx, kb(owner).chunkTexts(f.storeId(), fileId));
                }).map(texts -> {
                    ObjectNode page = OpenAiJson.MAPPER.createObjectNode().put("object", "vector_store.file_content.page");
                    ArrayNode data = page.putArray("data");
                    texts.forEach(t -> data.addObject().put("type", "text").put("text", t));
                    page.put("has_more", false);
                    page.putNull("next_page");
                    return page;
                }));
    }

    private void detach(RoutingContext ctx) {
        String fileId = ctx.pathParam("fid");
        http.serve(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> writable(ctx, call, owner)
                .compose(s -> RagHttp.on(ctx, kb(owner).detach(owner, s.id(), fileId))).map(deleted -> {
                    if (!deleted) {
                        throw fileNotFound(fileId);
                    }
                    return RagHttp.deleted(fileId, "vector_store.file.deleted");
                }));
    }

    // ---- batches

    /** One file of a batch with its own attributes and chunking, or the batch's. */
    private record BatchFile(String fileId, Map<String, Object> attributes, RagParams.Chunking chunking) {}

    private void createBatch(RoutingContext ctx) {
        http.serveJson(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> {
            RagParams.Chunking chunking = RagParams.chunking(body.get("chunking_strategy"), "chunking_strategy");
            Map<String, Object> attributes = RagParams.attributes(body.get("attributes"), "attributes");
            List<BatchFile> wanted = new ArrayList<>();
            if (body.has("files") && body.has("file_ids")) {
                throw GatewayException.invalid("Send either 'file_ids' or 'files', not both.", "files");
            }
            if (body.has("files")) {
                JsonNode files = body.get("files");
                if (!files.isArray() || files.isEmpty() || files.size() > MAX_FILES_PER_REQUEST) {
                    throw GatewayException.invalid("Invalid 'files': expected 1 to " + MAX_FILES_PER_REQUEST + " objects.", "files");
                }
                for (int i = 0; i < files.size(); i++) {
                    JsonNode f = files.get(i);
                    String at = "files[" + i + "]";
                    if (!f.path("file_id").isTextual()) {
                        throw GatewayException.invalid("Missing required parameter: '" + at + ".file_id'.", at + ".file_id");
                    }
                    wanted.add(new BatchFile(f.get("file_id").asText(),
                            f.has("attributes") ? RagParams.attributes(f.get("attributes"), at + ".attributes") : attributes,
                            f.has("chunking_strategy") ? RagParams.chunking(f.get("chunking_strategy"), at + ".chunking_strategy")
                                    : chunking));
                }
            } else {
                for (String id : fileIds(body.get("file_ids"), "file_ids", true)) {
                    wanted.add(new BatchFile(id, attributes, chunking));
                }
            }
            String batchId = RagHttp.id("vsfb_");
            return writable(ctx, call, owner).compose(store -> ownedFiles(ctx, owner, wanted.stream().map(BatchFile::fileId).toList(),
                    "file_ids").compose(files -> {
                        List<Future<List<RagStore.StoreFileRow>>> attached = new ArrayList<>();
                        // One insert per distinct (chunking, attributes) group keeps each row's own settings.
                        for (int i = 0; i < files.size(); i++) {
                            BatchFile b = wanted.get(i);
                            attached.add(attachAll(ctx, call, store, List.of(files.get(i)), batchId, b.chunking(), b.attributes()));
                        }
                        return Future.all(attached);
                    }).compose(v -> batchObject(ctx, owner, store.id(), batchId)));
        });
    }

    private void batch(RoutingContext ctx) {
        String batchId = ctx.pathParam("bid");
        http.serve(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> readable(ctx, call, owner)
                .compose(s -> batchObject(ctx, s.owner(), s.id(), batchId)));
    }

    private void cancelBatch(RoutingContext ctx) {
        String batchId = ctx.pathParam("bid");
        http.serve(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> writable(ctx, call, owner)
                .compose(s -> batchObject(ctx, owner, s.id(), batchId)
                        .compose(found -> RagHttp.on(ctx, kb(owner).store().cancelBatch(owner, s.id(), batchId)))
                        .compose(n -> batchObject(ctx, owner, s.id(), batchId))));
    }

    private void batchFiles(RoutingContext ctx) {
        String batchId = ctx.pathParam("bid");
        http.serve(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> readable(ctx, call, owner)
                .compose(s -> batchObject(ctx, s.owner(), s.id(), batchId).compose(found -> storeFiles(ctx, s, batchId))));
    }

    /** A batch as the API shows it; a 404 when the store has no such batch of this owner. */
    private Future<ObjectNode> batchObject(RoutingContext ctx, String owner, String storeId, String batchId) {
        return RagHttp.on(ctx, kb(owner).store().storeFiles(owner, storeId, batchId, null, 1, true, null)).compose(first -> {
            if (first.rows().isEmpty()) {
                throw new GatewayException(ErrorType.NOT_FOUND, "No such vector store file batch: " + batchId, "batch_id", "not_found");
            }
            long createdAt = first.rows().getFirst().createdAt();
            return RagHttp.on(ctx, kb(owner).store().counts(storeId, batchId)).map(c -> RagJson.batch(batchId, storeId, createdAt, c));
        });
    }

    // ---- search

    private void search(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        http.serveJson(ctx, Endpoint.VECTOR_STORES, (call, owner, body) -> {
            StoreSearch.Request sent = StoreSearch.Request.of(body, "");
            boolean rewrite = rewriter.wanted(body);
            Context context = ctx.vertx().getOrCreateContext();
            // The store is checked first: another team's id is a 404 before any model is asked to rewrite.
            return search.readable(context, call, owner, List.of(id), "vector_store_id")
                    .compose(stores -> (rewrite ? rewriter.rewrite(sent.query(), Loopback.credentials(call.headers()))
                            .map(q -> StoreSearch.Request.withQuery(body, "", q)) : Future.succeededFuture(sent))
                            .compose(request -> search.run(context, call, stores, request).map(hits -> page(request, hits))));
        });
    }

    /** A search's answer: {@code search_query} is the query searched (the rewritten one when rewritten). */
    private static ObjectNode page(StoreSearch.Request request, List<ChunkIndex.Hit> hits) {
        ObjectNode page = OpenAiJson.MAPPER.createObjectNode().put("object", "vector_store.search_results.page");
        page.putArray("search_query").add(request.query());
        ArrayNode data = page.putArray("data");
        hits.forEach(h -> data.add(StoreSearch.result(h)));
        page.put("has_more", false);
        page.putNull("next_page");
        return page;
    }

    // ---- shared

    /** The owner's knowledge base: the gateway's, or the ephemeral one for zero-data-retention traffic. */
    private KnowledgeBase kb(String owner) {
        return kbs.of(owner);
    }

    /** The path's store when the caller may read it: its own, or shared with it by an access policy; else a 404. */
    private Future<RagStore.StoreRow> readable(RoutingContext ctx, Call call, String owner) {
        String id = ctx.pathParam("id");
        return search.readable(ctx.vertx().getOrCreateContext(), call, owner, id).map(s -> {
            if (s == null) {
                throw storeNotFound(id);
            }
            return s;
        });
    }

    /**
     * The path's store when the caller may change it: its own. A store shared with it is read-only
     * (a 403: the caller can see it exists, so a 404 would only mislead); any other id is a 404.
     */
    private Future<RagStore.StoreRow> writable(RoutingContext ctx, Call call, String owner) {
        return readable(ctx, call, owner).map(s -> {
            if (!s.owner().equals(owner)) {
                throw new GatewayException(ErrorType.PERMISSION, "Vector store " + s.id() + " is shared with you read-only by an"
                        + " access policy: only its owner may change it or read its files' content.", "vector_store_id",
                        "vector_store_read_only");
            }
            return s;
        });
    }

    /** The owner's files with these ids, in order; a 404 naming the first id that is not the owner's. */
    private Future<List<RagStore.FileRow>> ownedFiles(RoutingContext ctx, String owner, List<String> ids, String param) {
        List<Future<RagStore.FileRow>> lookups = ids.stream().map(id -> RagHttp.on(ctx, kb(owner).store().file(owner, id))).toList();
        return Future.all(lookups).map(all -> {
            List<RagStore.FileRow> files = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                RagStore.FileRow f = lookups.get(i).result();
                if (f == null) {
                    throw new GatewayException(ErrorType.NOT_FOUND, "No such File object: " + ids.get(i), param, "not_found");
                }
                files.add(f);
            }
            return files;
        });
    }

    /** Attaches files in progress and queues their ingestion under the caller's credentials. */
    private Future<List<RagStore.StoreFileRow>> attachAll(RoutingContext ctx, Call call, RagStore.StoreRow store,
            List<RagStore.FileRow> files, String batchId, RagParams.Chunking chunking, Map<String, Object> attributes) {
        if (files.isEmpty()) {
            return Future.succeededFuture(List.of());
        }
        long now = RagHttp.now();
        String attributesJson = OpenAiJson.MAPPER.valueToTree(attributes).toString();
        List<RagStore.StoreFileRow> rows = files.stream().map(f -> new RagStore.StoreFileRow(store.id(), f.id(), store.owner(), batchId,
                now, "in_progress", null, chunking.json(), attributesJson, 0)).toList();
        Map<String, String> credentials = Loopback.credentials(call.headers());
        return RagHttp.on(ctx, kb(store.owner()).store().attach(rows)).map(v -> {
            for (RagStore.FileRow f : files) {
                kb(store.owner()).ingestion().submit(new Ingestion.Job(store.id(), f.id(), now, f.filename(), store.embeddingModel(),
                        chunking.maxTokens(), chunking.overlapTokens(), new LinkedHashMap<>(attributes), attributesJson, credentials));
            }
            return rows;
        });
    }

    private Future<ObjectNode> rendered(RoutingContext ctx, RagStore.StoreRow s) {
        return RagHttp.on(ctx, kb(s.owner()).store().counts(s.id(), null)).map(c -> RagJson.store(s, c, RagHttp.now()));
    }

    /** A store as {@code owner} sees it: another owner's (shared by a policy) is marked {@code gatehouse_shared: true}. */
    private Future<ObjectNode> rendered(RoutingContext ctx, RagStore.StoreRow s, String owner) {
        return rendered(ctx, s).map(o -> s.owner().equals(owner) ? o : o.put("gatehouse_shared", true));
    }

    private static List<String> fileIds(JsonNode n, String param, boolean required) {
        if (n == null || n.isNull()) {
            if (required) {
                throw GatewayException.invalid("Missing required parameter: '" + param + "' (or 'files').", param);
            }
            return List.of();
        }
        if (!n.isArray() || n.size() > MAX_FILES_PER_REQUEST || (required && n.isEmpty())) {
            throw GatewayException.invalid("Invalid '" + param + "': expected an array of up to " + MAX_FILES_PER_REQUEST
                    + " file ids.", param);
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode id : n) {
            if (!id.isTextual()) {
                throw GatewayException.invalid("Invalid '" + param + "': every id must be a string.", param);
            }
            if (!ids.contains(id.asText())) {
                ids.add(id.asText());
            }
        }
        return ids;
    }

    static GatewayException storeNotFound(String id) {
        return new GatewayException(ErrorType.NOT_FOUND, "No such vector store: " + id, "vector_store_id", "not_found");
    }

    private static GatewayException fileNotFound(String id) {
        return new GatewayException(ErrorType.NOT_FOUND, "No such vector store file: " + id, "file_id", "not_found");
    }
}
