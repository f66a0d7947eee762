package dev.gatehouse.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.gatehouse.config.ConfigWatcher;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.web.Access;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AdminRoutes;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Map.Entry;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code GET /admin/v1/config}: the running configuration, read-only, with every secret masked,
 * the time it was loaded and the last reload error. Masking fails closed: every text under a name
 * that could hold a secret, every header value, and the credentials inside URLs are replaced.
 */
public final class ConfigEndpoints implements AdminEndpoints {
    static final String MASK = "********";
    private static final List<String> SECRET_NAMES = List.of("key", "secret", "password", "token", "credential", "authorization",
            "cookie", "signature", "private");
    private static final Pattern URL_USERINFO = Pattern.compile("(://)[^/@\\s]+@");
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(password=)[^&;\\s]*");

    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Duration.class, ToStringSerializer.instance)
                    .addSerializer(Path.class, ToStringSerializer.instance))
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    private final Supplier<GatehouseConfig> config;
    private final LongSupplier loadedAt;
    private final Supplier<ConfigWatcher.ReloadError> lastError;

    public ConfigEndpoints(Supplier<GatehouseConfig> config, LongSupplier loadedAt, Supplier<ConfigWatcher.ReloadError> lastError) {
        this.config = config;
        this.loadedAt = loadedAt;
        this.lastError = lastError;
    }

    @Override
    public void register(AdminRoutes routes) {
        routes.get("/config", "Read the running configuration (secrets masked), when it was loaded and the last reload error",
                Access.AUDIT, request -> view());
    }

    private Map<String, Object> view() {
        GatehouseConfig c = config.get();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("source", c.source() == null ? "built-in demo configuration" : c.source().toString());
        out.put("loaded_at", Instant.ofEpochMilli(loadedAt.getAsLong()).toString());
        ConfigWatcher.ReloadError error = lastError.get();
        out.put("last_reload_error", error == null ? null : Map.of("at", Instant.ofEpochMilli(error.atMillis()).toString(),
                "message", masked(error.message())));
        out.put("config", mask(json.valueToTree(c), false));
        return out;
    }

    /** A copy of the tree with secrets replaced; {@code secret}: everything under this node is one. */
    static JsonNode mask(JsonNode node, boolean secret) {
        if (node.isObject()) {
            ObjectNode copy = ((ObjectNode) node).objectNode();
            List<Entry<String, JsonNode>> fields = new ArrayList<>();
            node.fields().forEachRemaining(fields::add);
            for (Entry<String, JsonNode> f : fields) {
                copy.set(f.getKey(), mask(f.getValue(), secret || secretName(f.getKey())));
            }
            return copy;
        }
        if (node.isArray()) {
            var copy = ((com.fasterxml.jackson.databind.node.ArrayNode) node).arrayNode();
            node.forEach(item -> copy.add(mask(item, secret)));
            return copy;
        }
        if (node.isTextual()) {
            return new TextNode(secret && !node.asText().isEmpty() ? MASK : masked(node.asText()));
        }
        return node;
    }

    static boolean secretName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("header") || SECRET_NAMES.stream().anyMatch(n::contains);
    }

    /** Credentials inside a URL or a connection string. */
    static String masked(String text) {
        return URL_PASSWORD.matcher(URL_USERINFO.matcher(text).replaceAll("$1" + MASK + "@")).replaceAll("$1" + MASK);
    }
}
