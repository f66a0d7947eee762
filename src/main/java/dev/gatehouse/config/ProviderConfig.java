package dev.gatehouse.config;

import java.util.List;
import java.util.Map;

/**
 * One upstream provider.
 *
 * @param kind which adapter speaks to it: openai, azure-openai, anthropic, gemini, mock
 * @param baseUrl null means the kind's default (for openai: https://api.openai.com/v1)
 * @param apiKey may be empty for key-less local servers (Ollama, vLLM)
 * @param apiVersion azure-openai's {@code api-version} query parameter
 * @param headers extra headers sent on every upstream call (e.g. OpenAI-Organization)
 * @param passthrough when caller and upstream speak the same format, forward the caller's bytes
 *     (default true); false forces a full decode/encode through the canonical model
 * @param mock settings of the built-in mock provider (null for other kinds)
 * @param extraApiKeys further keys for the same account(s) (from {@code api-keys}); a key that is
 *     rate limited rotates to the next
 * @param zdr the provider contractually retains no data: zero-data-retention calls may be routed
 *     to it (default false; such calls skip every other provider)
 * @param cloud where and as whom a cloud provider (bedrock, vertex) is reached; {@link Cloud#NONE} for others
 * @param responses the upstream serves OpenAI's Responses API itself ({@code POST …/responses}; kind
 *     openai only): Responses calls the gateway need not store pass through as bytes (default false)
 */
public record ProviderConfig(
        String name,
        String kind,
        String baseUrl,
        String apiKey,
        String apiVersion,
        Map<String, String> headers,
        Timeouts timeouts,
        boolean passthrough,
        MockSettings mock,
        List<String> extraApiKeys,
        boolean zdr,
        Cloud cloud,
        boolean responses,
        UpstreamTls tls) {

    /** Every provider kind the config accepts: one per kind that {@code dialect.ProviderFactory} builds. */
    public static final List<String> KINDS = List.of("openai", "azure-openai", "mock", "anthropic", "gemini", "bedrock", "vertex", "vertex-anthropic", "mistral", "cohere");

    public ProviderConfig {
        extraApiKeys = extraApiKeys == null ? List.of() : List.copyOf(extraApiKeys);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        timeouts = timeouts == null ? Timeouts.INHERIT : timeouts;
        cloud = cloud == null ? Cloud.NONE : cloud;
    }

    /** A provider without its own TLS settings (the system's trusted CAs, no client certificate). */
    public ProviderConfig(String name, String kind, String baseUrl, String apiKey, String apiVersion, Map<String, String> headers,
            Timeouts timeouts, boolean passthrough, MockSettings mock, List<String> extraApiKeys, boolean zdr, Cloud cloud,
            boolean responses) {
        this(name, kind, baseUrl, apiKey, apiVersion, headers, timeouts, passthrough, mock, extraApiKeys, zdr, cloud, responses, null);
    }

    /**
     * TLS towards one provider, for a private CA or a gateway that must present a client
     * certificate (an internal model server behind mTLS). Paths of PEM files; null fields are unset.
     *
     * @param caPath certificates trusted for this provider instead of the system's (a CA bundle)
     * @param certPath the client certificate chain presented to it (with {@code keyPath})
     * @param keyPath the client certificate's private key
     */
    public record UpstreamTls(String caPath, String certPath, String keyPath) {}

    /** A provider that is not a cloud and does not serve the Responses API itself. */
    public ProviderConfig(String name, String kind, String baseUrl, String apiKey, String apiVersion, Map<String, String> headers,
            Timeouts timeouts, boolean passthrough, MockSettings mock, List<String> extraApiKeys, boolean zdr) {
        this(name, kind, baseUrl, apiKey, apiVersion, headers, timeouts, passthrough, mock, extraApiKeys, zdr, Cloud.NONE, false);
    }

    /** A provider that does not serve the Responses API itself (a cloud, or any other kind). */
    public ProviderConfig(String name, String kind, String baseUrl, String apiKey, String apiVersion, Map<String, String> headers,
            Timeouts timeouts, boolean passthrough, MockSettings mock, List<String> extraApiKeys, boolean zdr, Cloud cloud) {
        this(name, kind, baseUrl, apiKey, apiVersion, headers, timeouts, passthrough, mock, extraApiKeys, zdr, cloud, false);
    }

    /** The same provider with another API key (a team's own key, BYOK). */
    public ProviderConfig withApiKey(String key) {
        return new ProviderConfig(name, kind, baseUrl, key, apiVersion, headers, timeouts, passthrough, mock, List.of(), zdr, cloud,
                responses, tls);
    }

    /**
     * Where a cloud provider runs and which credentials it uses. Unset fields are null. Secrets are
     * usually written as {@code ${ENV}} references; with none set, the cloud's standard chain is used.
     *
     * @param region AWS region (bedrock) or Google Cloud location, {@code global} included (vertex)
     * @param project Google Cloud project id (vertex)
     * @param accessKeyId AWS access key id (bedrock; with {@code secretAccessKey})
     * @param secretAccessKey AWS secret access key (bedrock)
     * @param sessionToken AWS session token of temporary credentials (bedrock)
     * @param profile a named profile of the AWS config and credentials files (bedrock)
     * @param credentialsFile path of a Google service-account JSON key (vertex)
     * @param roleArn the IAM role assumed with a web identity token (bedrock; with {@code webIdentityTokenFile})
     * @param webIdentityTokenFile path of the OIDC token file exchanged at STS, re-read on each refresh (bedrock)
     * @param stsEndpoint an STS endpoint other than the region's own, e.g. a VPC endpoint (bedrock; with {@code roleArn})
     */
    public record Cloud(String region, String project, String accessKeyId, String secretAccessKey, String sessionToken,
            String profile, String credentialsFile, String roleArn, String webIdentityTokenFile, String stsEndpoint) {
        public static final Cloud NONE = new Cloud(null, null, null, null, null, null, null, null, null, null);

        @Override
        public String toString() { // never print secrets
            return "Cloud[region=" + region + ", project=" + project + ", accessKeyId=" + accessKeyId
                    + ", secretAccessKey=" + (secretAccessKey == null ? null : "***") + ", sessionToken="
                    + (sessionToken == null ? null : "***") + ", profile=" + profile + ", credentialsFile=" + credentialsFile + ", roleArn=" + roleArn
                    + ", webIdentityTokenFile=" + webIdentityTokenFile + ", stsEndpoint=" + stsEndpoint + "]";
        }
    }

    /**
     * The mock provider's behaviour. Answers are deterministic functions of the request.
     *
     * @param latencyMs delay before the response head (non-stream) or first chunk (stream)
     * @param outputTokens how many tokens (words) each answer has, unless max_tokens is lower
     * @param chunkDelayMs pause between stream chunks
     * @param tokensPerChunk words per stream chunk
     * @param embeddingDimensions length of the vectors it returns
     */
    public record MockSettings(
            long latencyMs, int outputTokens, long chunkDelayMs, int tokensPerChunk, int embeddingDimensions) {

        public static final MockSettings DEFAULTS = new MockSettings(0, 24, 20, 1, 256);
    }
}
