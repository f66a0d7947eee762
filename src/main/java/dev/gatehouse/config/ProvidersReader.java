package dev.gatehouse.config;

import dev.gatehouse.config.ProviderConfig.MockSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads the {@code providers} section: one entry per upstream, keyed by a name models refer to. */
final class ProvidersReader {

    // RFC 9110 token characters: anything else would be rejected by the HTTP client at call time.
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private final Problems problems;

    ProvidersReader(Problems problems) {
        this.problems = problems;
    }

    /** @return valid providers by name; invalid ones are reported and left out */
    Map<String, ProviderConfig> read(Section providers) {
        Map<String, ProviderConfig> result = new LinkedHashMap<>();
        for (Section.Entry e : providers.entries()) {
            Section s = providers.sectionOf(e.value(), providers.child(e.key()), e.keyNode());
            if (s != null) {
                ProviderConfig p = provider(e.key(), s);
                if (p != null) {
                    result.put(e.key(), p);
                }
            }
        }
        return result;
    }

    private ProviderConfig provider(String name, Section s) {
        String kind = s.requiredString("kind", " (one of: " + String.join(", ", ProviderConfig.KINDS) + ")");
        if (kind != null && !ProviderConfig.KINDS.contains(kind)) {
            problems.error(s.node("kind"), s.child("kind"), "unknown provider kind '" + kind + "'"
                    + Suggestions.didYouMean(kind, ProviderConfig.KINDS)
                    + " (known: " + String.join(", ", ProviderConfig.KINDS) + ")");
            kind = null;
        }
        boolean azure = "azure-openai".equals(kind);
        String baseUrl = azure
                ? s.requiredString("base-url", " (azure-openai needs https://<resource>.openai.azure.com)")
                : emptyToNull(s.string("base-url"));
        if (baseUrl != null) {
            baseUrl = checkUrl(s, baseUrl);
        }
        String apiKey = s.string("api-key");
        List<String> apiKeys = s.strings("api-keys");
        if (apiKeys != null && !apiKeys.isEmpty()) {
            if (apiKey != null && !apiKey.isEmpty()) {
                problems.error(s.keyNode("api-keys"), s.child("api-keys"), "use either api-key or api-keys, not both");
            }
            apiKey = apiKeys.get(0);
            apiKeys = apiKeys.subList(1, apiKeys.size());
        }
        String apiVersion = azure
                ? s.requiredString("api-version", " (azure-openai needs e.g. 2024-10-21)")
                : onlyFor(s, "api-version", kind, "azure-openai");
        Map<String, String> headers = headers(s.section("headers"));
        Timeouts timeouts = readTimeouts(s.section("timeouts"));
        Boolean passthrough = s.bool("passthrough");
        Boolean zdr = s.bool("zdr");
        ProviderConfig.Cloud cloud = cloud(s, kind);
        Boolean responses = s.bool("responses");
        if (responses != null && kind != null && !"openai".equals(kind)) {
            problems.error(s.keyNode("responses"), s.child("responses"), "only valid for kind openai, not " + kind);
        }
        MockSettings mock = null;
        Section mockSection = s.section("mock");
        if ("mock".equals(kind)) {
            mock = mock(mockSection);
        } else if (mockSection != null && kind != null) {
            problems.error(s.keyNode("mock"), s.child("mock"), "only valid for kind mock, not " + kind);
        }
        ProviderConfig.UpstreamTls tls = tls(s.section("tls"));
        s.finish();
        if (kind == null || (azure && (baseUrl == null || apiVersion == null)) || cloud == null) {
            return null;
        }
        return new ProviderConfig(name, kind, baseUrl, apiKey == null ? "" : apiKey, apiVersion, headers,
                timeouts, passthrough == null || passthrough, mock, apiKeys == null ? List.of() : apiKeys,
                zdr != null && zdr, cloud, responses != null && responses, tls);
    }

    /** {@code tls: {ca, cert, key}}: PEM paths, each readable; cert and key together. */
    private ProviderConfig.UpstreamTls tls(Section t) {
        if (t == null) {
            return null;
        }
        String ca = t.string("ca");
        String cert = t.string("cert");
        String key = t.string("key");
        t.finish();
        for (String[] file : new String[][] {{"ca", ca}, {"cert", cert}, {"key", key}}) {
            if (file[1] != null && !java.nio.file.Files.isReadable(java.nio.file.Path.of(file[1]))) {
                problems.error(t.node(file[0]), t.child(file[0]), "cannot read '" + file[1] + "'");
            }
        }
        if ((cert == null) != (key == null)) {
            problems.error(t.keyNode(cert == null ? "cert" : "key"), t.child(cert == null ? "cert" : "key"),
                    "a client certificate needs both cert and key");
        }
        return ca == null && cert == null && key == null ? null : new ProviderConfig.UpstreamTls(ca, cert, key);
    }

    // A region or project is part of a host name or URL path: letters, digits and dashes only.
    private static final Pattern CLOUD_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    /** An IAM role ARN in any partition (aws, aws-cn, aws-us-gov), paths allowed. */
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");
    private static final Pattern HTTP_URL = Pattern.compile("https?://[^\\s/?#]+(/\\S*)?");

    /**
     * The cloud keys: {@code region}, credentials and (vertex) {@code project}. Returns
     * {@link ProviderConfig.Cloud#NONE} for other kinds and null when a required key is missing (reported).
     */
    private ProviderConfig.Cloud cloud(Section s, String kind) {
        boolean bedrock = "bedrock".equals(kind);
        boolean vertex = "vertex".equals(kind) || "vertex-anthropic".equals(kind);
        if (!bedrock && !vertex) {
            return ProviderConfig.Cloud.NONE; // their keys stay unknown to other kinds (reported as such)
        }
        String region = s.requiredString("region", bedrock ? " (the AWS region, e.g. us-east-1)"
                : " (the Google Cloud location, e.g. us-central1 or global)");
        region = cloudName(s, "region", region);
        String project = null;
        if (vertex) {
            project = cloudName(s, "project", s.requiredString("project", " (the Google Cloud project id)"));
        }
        String accessKeyId = null;
        String secretAccessKey = null;
        String sessionToken = null;
        String profile = null;
        String credentialsFile = null;
        String roleArn = null;
        String webIdentityTokenFile = null;
        String stsEndpoint = null;
        if (bedrock) {
            accessKeyId = emptyToNull(s.string("access-key-id"));
            secretAccessKey = emptyToNull(s.string("secret-access-key"));
            sessionToken = emptyToNull(s.string("session-token"));
            profile = emptyToNull(s.string("profile"));
            if ((accessKeyId == null) != (secretAccessKey == null)) {
                String missing = accessKeyId == null ? "access-key-id" : "secret-access-key";
                problems.error(s.node(accessKeyId == null ? "secret-access-key" : "access-key-id"), s.child(missing),
                        "access-key-id and secret-access-key go together: '" + missing + "' is missing");
                return null;
            }
            if (sessionToken != null && accessKeyId == null) {
                problems.error(s.keyNode("session-token"), s.child("session-token"),
                        "needs access-key-id and secret-access-key");
                return null;
            }
            roleArn = emptyToNull(s.string("role-arn"));
            webIdentityTokenFile = emptyToNull(s.string("web-identity-token-file"));
            stsEndpoint = emptyToNull(s.string("sts-endpoint"));
            if ((roleArn == null) != (webIdentityTokenFile == null)) {
                String missing = roleArn == null ? "role-arn" : "web-identity-token-file";
                problems.error(s.node(roleArn == null ? "web-identity-token-file" : "role-arn"), s.child(missing),
                        "role-arn and web-identity-token-file go together: '" + missing + "' is missing");
                return null;
            }
            if (roleArn != null && !ROLE_ARN.matcher(roleArn).matches()) {
                problems.error(s.node("role-arn"), s.child("role-arn"),
                        "must be an IAM role ARN (arn:aws:iam::123456789012:role/name), got '" + roleArn + "'");
                return null;
            }
            if (roleArn != null && (accessKeyId != null || profile != null)) {
                problems.error(s.node("role-arn"), s.child("role-arn"),
                        "choose one credential source: role-arn cannot be combined with "
                                + (accessKeyId != null ? "access-key-id" : "profile"));
                return null;
            }
            if (stsEndpoint != null && roleArn == null) {
                problems.error(s.keyNode("sts-endpoint"), s.child("sts-endpoint"), "needs role-arn and web-identity-token-file");
                return null;
            }
            if (stsEndpoint != null && !HTTP_URL.matcher(stsEndpoint).matches()) {
                problems.error(s.node("sts-endpoint"), s.child("sts-endpoint"), "must be an http(s) URL, got '" + stsEndpoint + "'");
                return null;
            }
        } else {
            credentialsFile = emptyToNull(s.string("credentials-file"));
        }
        if (region == null || (vertex && project == null)) {
            return null;
        }
        return new ProviderConfig.Cloud(region, project, accessKeyId, secretAccessKey, sessionToken, profile, credentialsFile,
                roleArn, webIdentityTokenFile, stsEndpoint);
    }

    private String cloudName(Section s, String key, String value) {
        if (value == null) {
            return null;
        }
        if (!CLOUD_NAME.matcher(value).matches()) {
            problems.error(s.node(key), s.child(key), "must be lower-case letters, digits and dashes, got '" + value + "'");
            return null;
        }
        return value;
    }

    private String checkUrl(Section s, String url) {
        try {
            URI uri = new URI(url);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                // A trailing slash would double up when paths like /chat/completions are appended.
                return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        problems.error(s.node("base-url"), s.child("base-url"),
                "must be an http:// or https:// URL, got '" + url + "'");
        return null;
    }

    private String onlyFor(Section s, String key, String kind, String allowedKind) {
        String v = s.string(key);
        if (v != null && kind != null) {
            problems.error(s.keyNode(key), s.child(key), "only valid for kind " + allowedKind + ", not " + kind);
        }
        return null;
    }

    private Map<String, String> headers(Section h) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (h == null) {
            return headers;
        }
        for (Section.Entry e : h.entries()) {
            String path = h.child(e.key());
            if (!HEADER_NAME.matcher(e.key()).matches()) {
                problems.error(e.keyNode(), path, "not a valid HTTP header name");
                continue;
            }
            String value = e.value() == null ? "" : h.scalar(e.value(), path);
            if (value != null) {
                headers.put(e.key(), value);
            }
        }
        return headers;
    }

    /** Shared by providers, models and targets: every field optional, null meaning "inherit". */
    static Timeouts readTimeouts(Section t) {
        if (t == null) {
            return Timeouts.INHERIT;
        }
        Duration connect = t.duration("connect", false);
        Duration firstByte = t.duration("first-byte", false);
        Duration idle = t.duration("idle", false);
        Duration total = t.duration("total", false);
        t.finish();
        return new Timeouts(connect, firstByte, idle, total);
    }

    /** Each field falls back to {@link MockSettings#DEFAULTS} on its own. */
    private static MockSettings mock(Section m) {
        MockSettings d = MockSettings.DEFAULTS;
        if (m == null) {
            return d;
        }
        Duration latency = m.duration("latency", true);
        Integer outputTokens = m.integer("output-tokens", 0, 1_000_000);
        Duration chunkDelay = m.duration("chunk-delay", true);
        Integer tokensPerChunk = m.integer("tokens-per-chunk", 1, 1_000_000);
        Integer dimensions = m.integer("embedding-dimensions", 1, 65_536);
        m.finish();
        return new MockSettings(
                latency == null ? d.latencyMs() : latency.toMillis(),
                outputTokens == null ? d.outputTokens() : outputTokens,
                chunkDelay == null ? d.chunkDelayMs() : chunkDelay.toMillis(),
                tokensPerChunk == null ? d.tokensPerChunk() : tokensPerChunk,
                dimensions == null ? d.embeddingDimensions() : dimensions);
    }

    static String emptyToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
