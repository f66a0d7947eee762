package dev.gatehouse.dialect.bedrock;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.dialect.InlineImages;
import dev.gatehouse.provider.ConfiguredProvider;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireCodec;
import dev.gatehouse.provider.http.ImageFetcher;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * AWS Bedrock's runtime: {@code POST {base}/model/{modelId}/converse} or {@code /converse-stream}
 * at {@code https://bedrock-runtime.{region}.amazonaws.com}, signed with SigV4 by {@link BedrockTransport}.
 * The model id may be a foundation model ({@code anthropic.claude-3-5-sonnet-20241022-v2:0}), a
 * cross-region inference profile ({@code us.anthropic.claude-...}) or an ARN; it is URL-encoded in the path.
 *
 * <p>Credentials, first that applies: {@code access-key-id}/{@code secret-access-key}
 * ({@code session-token}) from the config; {@code role-arn} with {@code web-identity-token-file}
 * (STS AssumeRoleWithWebIdentity, see {@link WebIdentityCredentials}); a {@code profile}; a Bedrock
 * API key as {@code api-key} (sent as a bearer token); else the AWS default chain (environment,
 * system properties, web identity from {@code AWS_ROLE_ARN}/{@code AWS_WEB_IDENTITY_TOKEN_FILE},
 * profile files, container and instance metadata; SSO profiles need the SDK's sso modules, which
 * are not bundled). A team's own key (BYOK) is either
 * {@code ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]} or a Bedrock API key.
 */
public final class BedrockProvider extends ConfiguredProvider {
    private static final WireCodec CODEC = new BedrockWireCodec();
    private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("application/vnd.amazon.eventstream");
    /** A key given as access key id, secret and optional session token, colon-separated. */
    private static final Pattern ACCESS_KEYS = Pattern.compile("([A-Z0-9]{16,128}):([^:\\s]+)(?::(\\S+))?");

    private final Vertx vertx;
    private final Transport http;
    private final ImageFetcher images;
    private final String baseUrl;
    private final BedrockCredentials credentials;

    public BedrockProvider(ProviderConfig config, Transport http, Vertx vertx, ImageFetcher images) {
        this(config, http, vertx, images, credentials(config, vertx));
    }

    private BedrockProvider(ProviderConfig config, Transport http, Vertx vertx, ImageFetcher images,
            BedrockCredentials credentials) {
        super(config, transport(config, http, credentials), CODEC);
        this.vertx = vertx;
        this.http = http;
        this.images = images;
        this.credentials = credentials;
        this.baseUrl = trimSlash(config.baseUrl() == null
                ? "https://bedrock-runtime." + config.cloud().region() + ".amazonaws.com" : config.baseUrl());
    }

    /** Null when the provider authenticates with a bearer API key instead of signing. */
    private static BedrockCredentials credentials(ProviderConfig config, Vertx vertx) {
        Supplier<AwsCredentialsProvider> source = source(config);
        return source == null ? null : new BedrockCredentials(vertx, source, Clock.systemUTC());
    }

    private static Supplier<AwsCredentialsProvider> source(ProviderConfig config) {
        ProviderConfig.Cloud cloud = config.cloud();
        String key = config.apiKey() == null ? "" : config.apiKey().strip();
        Matcher keys = ACCESS_KEYS.matcher(key);
        if (keys.matches()) { // a team's own AWS keys (BYOK)
            return fixed(keys.group(1), keys.group(2), keys.group(3));
        }
        if (!key.isEmpty()) {
            return null; // a Bedrock API key: bearer
        }
        if (cloud.accessKeyId() != null) {
            return fixed(cloud.accessKeyId(), cloud.secretAccessKey(), cloud.sessionToken());
        }
        if (cloud.roleArn() != null) { // web identity (IRSA): a role assumed at STS with a token file
            return () -> new WebIdentityCredentials(config.name(), cloud.region(), cloud.roleArn(),
                    cloud.webIdentityTokenFile(), cloud.stsEndpoint());
        }
        if (cloud.profile() != null) {
            String profile = cloud.profile();
            return () -> ProfileCredentialsProvider.builder().profileName(profile).build();
        }
        return () -> DefaultCredentialsProvider.builder().build();
    }

    private static Supplier<AwsCredentialsProvider> fixed(String id, String secret, String token) {
        StaticCredentialsProvider provider = StaticCredentialsProvider.create(token == null
                ? AwsBasicCredentials.create(id, secret) : AwsSessionCredentials.create(id, secret, token));
        return () -> provider;
    }

    private static Transport transport(ProviderConfig config, Transport http, BedrockCredentials credentials) {
        String region = config.cloud().region();
        return credentials == null ? new BedrockTransport(http, config.apiKey().strip(), region)
                : new BedrockTransport(http, credentials, region);
    }

    /** Converse takes image bytes only: http(s) image URLs are fetched first. */
    @Override
    public Future<ChatRequest> prepare(ChatRequest request) {
        return InlineImages.inline(images, request);
    }

    @Override
    public UpstreamRequest chat(Buffer body, String upstreamModel, boolean stream) {
        String url = baseUrl + "/model/" + URLEncoder.encode(upstreamModel, StandardCharsets.UTF_8).replace("+", "%20")
                + (stream ? "/converse-stream" : "/converse");
        MultiMap headers = baseHeaders(stream);
        if (stream) {
            headers.set(HttpHeaders.ACCEPT, EVENT_STREAM);
        }
        return new UpstreamRequest(url, headers, body, stream);
    }

    @Override
    public UpstreamRequest embeddings(Buffer body, String upstreamModel) {
        throw GatewayException.invalid("Bedrock provider '" + config.name() + "' serves chat through Converse only; model '"
                + upstreamModel + "' cannot be used for embeddings.", "model");
    }

    /** A team's own credentials: AWS keys {@code ID:SECRET[:TOKEN]} or a Bedrock API key. */
    @Override
    public BedrockProvider withApiKey(String apiKey) {
        ProviderConfig copy = config.withApiKey(apiKey);
        return new BedrockProvider(copy, http, vertx, images, credentials(copy, vertx));
    }

    @Override
    public void close() {
        if (credentials != null) {
            credentials.close();
        }
    }
}
