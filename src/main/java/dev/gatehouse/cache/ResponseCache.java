package dev.gatehouse.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.Message;
import dev.gatehouse.canonical.Role;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.config.CacheConfig;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answer cache as the request path sees it: whether a call may use it ({@link #prepare}),
 * finding a stored answer ({@link #find}) and storing a fresh one ({@link #recording}). The
 * executor decides nothing about caching; it asks here and replays or records.
 *
 * <p>A call bypasses the cache entirely (no hashing, no lookup, nothing stored) when the cache is
 * off, its team is not cached, it is zero-data-retention traffic, the endpoint is not cached, the
 * caller sent {@code Cache-Control: no-store}, or its model's TTL is zero.
 */
public final class ResponseCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResponseCache.class);
    public static final CharSequence STATUS_HEADER = HttpHeaders.createOptimized("x-gatehouse-cache");
    public static final String NAMESPACE_HEADER = "x-gatehouse-cache-namespace";
    public static final String HIT = "HIT";
    public static final String SEMANTIC_HIT = "SEMANTIC_HIT";
    public static final String MISS = "MISS";
    /** What the semantic partition leaves out: the conversation (its text is compared by meaning). */
    private static final Set<String> INPUT_FIELDS = Set.of("messages");
    private static final int MAX_NAMESPACE = 128;

    private final Supplier<CacheConfig> config;
    private final AnswerStore store;
    private final Embedder embedder;
    private final LongSupplier clock;
    private volatile SemanticIndex index;
    private CacheConfig.Semantic indexFor;

    /** @param embedder null when no semantic cache can be configured (tests, embedding) */
    public ResponseCache(Supplier<CacheConfig> config, AnswerStore store, Embedder embedder, LongSupplier clock) {
        this.config = config;
        this.store = store;
        this.embedder = embedder;
        this.clock = clock;
    }

    /** A stored answer found for a call: how it was found, and how close the input was (1 for exact). */
    public record Hit(CachedAnswer answer, String status, double similarity) {
        /** The {@code x-gatehouse-cache} header value. */
        public String header() {
            return status.equals(SEMANTIC_HIT) ? status + "; similarity=" + String.format(Locale.ROOT, "%.4f", similarity) : status;
        }
    }

    /** One call's use of the cache, decided by {@link #prepare}. */
    public static final class Lookup {
        final String key;
        final boolean read;
        final boolean write;
        final Duration ttl;
        final long maxAgeSeconds;
        final boolean stream;
        /** Null when this call is not served semantically. */
        final String partition;
        final String text;
        final CacheConfig.Semantic semantic;
        float[] vector;

        Lookup(String key, boolean read, boolean write, Duration ttl, long maxAgeSeconds, boolean stream, String partition,
                String text, CacheConfig.Semantic semantic) {
            this.key = key;
            this.read = read;
            this.write = write;
            this.ttl = ttl;
            this.maxAgeSeconds = maxAgeSeconds;
            this.stream = stream;
            this.partition = partition;
            this.text = text;
            this.semantic = semantic;
        }

        public String key() {
            return key;
        }

        /** Whether a lookup is made ({@code no-cache} skips it). */
        public boolean read() {
            return read;
        }
    }

    /** Whether the cache is on at all: the one check a call pays when it is off. */
    public boolean enabled() {
        return config.get().enabled();
    }

    /**
     * How {@code call} uses the cache, or null when it bypasses it. Parses the body for the key;
     * run only when {@link #enabled}. Throws a 400 for a malformed {@code Cache-Control} or namespace.
     *
     * @param body the caller's request body as received
     * @param canonical the request decoded to the canonical model (asked only for the semantic cache)
     */
    public Lookup prepare(Call call, Buffer body, Supplier<ChatRequest> canonical) {
        CacheConfig c = config.get();
        Principal principal = call.principal();
        if (!c.enabled() || body == null || call.zdr() || call.answerFiltered() || principal == null || !c.appliesTo(principal.teamId())
                || (call.endpoint() != Endpoint.CHAT_COMPLETIONS && call.endpoint() != Endpoint.MESSAGES)) {
            return null;
        }
        Duration ttl = c.ttlFor(call.model());
        if (ttl.isZero()) {
            return null; // this model's answers are never cached
        }
        CacheControl control = CacheControl.parse(call.headers().get(HttpHeaders.CACHE_CONTROL));
        String namespace = namespace(call.headers().get(NAMESPACE_HEADER));
        if (control.noStore()) {
            return null;
        }
        JsonNode root;
        try {
            root = CanonicalJson.parse(body);
        } catch (IOException | RuntimeException e) {
            return null; // the caller format's scan accepted it; if the exact parser does not, do not cache
        }
        if (root == null || !root.isObject()) {
            return null;
        }
        String tenant = c.sharedAcrossTeams() ? "*" : principal.teamId() != null ? "team:" + principal.teamId()
                : "principal:" + principal.kind() + ":" + principal.id();
        CacheKey.Scope scope = new CacheKey.Scope(tenant, namespace, call.endpoint().name(), call.model());
        String key = CacheKey.exact(scope, root);
        String partition = null;
        String text = null;
        CacheConfig.Semantic semantic = c.semantic();
        if (semantic.enabled() && embedder != null && semantic.embeddingModel() != null) {
            Conversation conversation = conversation(canonical);
            if (conversation != null && !conversation.text().isBlank() && conversation.text().length() <= semantic.maxInputChars()) {
                text = conversation.text();
                partition = CacheKey.partition(scope, root, INPUT_FIELDS, conversation.exact());
            }
        }
        return new Lookup(key, !control.noCache(), true, ttl, control.maxAgeSeconds(), call.stream(), partition, text, semantic);
    }

    /** The stored answer for {@code lookup}: exact first, then (if configured) the most similar input's. Null on a miss. */
    public Future<Hit> find(Lookup lookup) {
        if (!lookup.read) {
            return Future.succeededFuture(null);
        }
        return store.get(lookup.key).compose(answer -> {
            if (fresh(answer, lookup)) {
                return Future.succeededFuture(new Hit(answer, HIT, 1));
            }
            if (lookup.partition == null) {
                return Future.succeededFuture(null);
            }
            return similar(lookup);
        });
    }

    private Future<Hit> similar(Lookup lookup) {
        return embedder.embed(lookup.semantic.embeddingModel(), lookup.text).compose(vector -> {
            lookup.vector = vector;
            SemanticIndex.Nearest nearest = index(lookup.semantic).nearest(lookup.partition, vector, lookup.text);
            if (nearest.key() == null || nearest.similarity() < lookup.semantic.threshold()) {
                return Future.succeededFuture(null);
            }
            return store.get(nearest.key()).map(answer -> fresh(answer, lookup)
                    ? new Hit(answer, SEMANTIC_HIT, nearest.similarity()) : null);
        }, failure -> {
            LOG.debug("semantic cache lookup skipped: the embedding model failed: {}", failure.toString());
            return Future.succeededFuture(null);
        });
    }

    private boolean fresh(CachedAnswer answer, Lookup lookup) {
        return answer != null && answer.stream() == lookup.stream
                && (lookup.maxAgeSeconds < 0 || clock.getAsLong() - answer.storedAtMillis() <= lookup.maxAgeSeconds * 1000);
    }

    /** A recorder for the answer the call is about to get from upstream, or null when nothing is stored. */
    public Recording recording(Lookup lookup) {
        return lookup.write ? new Recording(lookup, config.get().maxEntryBytes()) : null;
    }

    /**
     * Collects the bytes a caller receives, exactly as written; stores them only when the answer
     * {@link #completed} successfully. An error, an aborted or incomplete stream, or an answer
     * larger than {@code cache.max-entry-size} is never stored.
     */
    public final class Recording {
        private final Lookup lookup;
        private final long maxBytes;
        private List<byte[]> chunks = new ArrayList<>();
        private long bytes;

        Recording(Lookup lookup, long maxBytes) {
            this.lookup = lookup;
            this.maxBytes = maxBytes;
        }

        /** Bytes sent to the caller. */
        public void append(Buffer written) {
            if (chunks == null || written == null || written.length() == 0) {
                return;
            }
            bytes += written.length();
            if (bytes > maxBytes) {
                chunks = null; // too large to keep: stop copying
                return;
            }
            chunks.add(written.getBytes());
        }

        /** The answer ended successfully and completely: store it. */
        public void completed(Usage usage, String provider, String upstreamModel) {
            if (chunks == null || chunks.isEmpty()) {
                return;
            }
            long now = clock.getAsLong();
            CachedAnswer answer = new CachedAnswer(lookup.stream, chunks, now, provider, upstreamModel, usage);
            chunks = null;
            store.put(lookup.key, answer, lookup.ttl);
            if (lookup.partition != null) {
                long expires = now + lookup.ttl.toMillis();
                if (lookup.vector != null) {
                    index(lookup.semantic).add(lookup.partition, lookup.vector, lookup.text, lookup.key, expires);
                } else {
                    // No lookup embedded it (no-cache, or an exact-key miss before the embedding ran).
                    embedder.embed(lookup.semantic.embeddingModel(), lookup.text)
                            .onSuccess(vector -> index(lookup.semantic).add(lookup.partition, vector, lookup.text, lookup.key, expires));
                }
            }
        }
    }

    /** The semantic index; rebuilt empty when its bounds change with a config reload. */
    private SemanticIndex index(CacheConfig.Semantic semantic) {
        SemanticIndex current = index;
        if (current != null && semantic.equals(indexFor)) {
            return current;
        }
        synchronized (this) {
            if (index == null || !semantic.equals(indexFor)) {
                index = new SemanticIndex(semantic.maxPartitions(), semantic.maxEntriesPerPartition(), clock);
                indexFor = semantic;
            }
            return index;
        }
    }

    /** The conversation's text for embedding, and what of it must match exactly; null when it cannot be compared by meaning. */
    record Conversation(String text, JsonNode exact) {}

    /**
     * Only plain text conversations are compared by meaning: an image, a tool call or result, a
     * named participant or any field the canonical model does not name makes the call exact-only
     * (two "similar" tool results are not the same question). System and developer instructions
     * and the sequence of roles must match exactly; the user and assistant text is embedded.
     */
    static Conversation conversation(Supplier<ChatRequest> canonical) {
        ChatRequest request;
        try {
            request = canonical == null ? null : canonical.get();
        } catch (RuntimeException e) {
            return null;
        }
        if (request == null) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        ArrayNode exact = JsonNodeFactory.instance.arrayNode();
        for (Message m : request.messages()) {
            if (!m.toolCalls().isEmpty() || m.toolCallId() != null || m.name() != null || !m.extra().isEmpty()
                    || m.role() == Role.TOOL) {
                return null;
            }
            for (ContentPart part : m.content()) {
                if (!(part instanceof ContentPart.Text)) {
                    return null;
                }
            }
            exact.add(m.role().name());
            if (m.role() == Role.SYSTEM || m.role() == Role.DEVELOPER) {
                exact.add(m.plainText());
            } else {
                text.append(m.role().name().toLowerCase(Locale.ROOT)).append(": ").append(m.plainText()).append('\n');
            }
        }
        return new Conversation(text.toString(), exact);
    }

    private static String namespace(String header) {
        if (header == null) {
            return "";
        }
        String ns = header.strip();
        if (ns.length() > MAX_NAMESPACE || !ns.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
            throw new GatewayException(ErrorType.INVALID_REQUEST, "Invalid " + NAMESPACE_HEADER
                    + ": at most " + MAX_NAMESPACE + " visible ASCII characters, no spaces.", NAMESPACE_HEADER, "invalid_cache_namespace");
        }
        return ns;
    }

    @Override
    public void close() {
        store.close();
    }
}
