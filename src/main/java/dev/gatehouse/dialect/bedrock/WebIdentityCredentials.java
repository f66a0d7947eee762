package dev.gatehouse.dialect.bedrock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Temporary credentials for an IAM role assumed with a web identity token (IRSA on EKS): the token
 * file is read afresh on each refresh (the kubelet rotates it) and exchanged at STS with
 * {@code AssumeRoleWithWebIdentity}. The STS client is built here rather than by the SDK's default
 * chain so that it has a deadline, calls the provider's own region (or a configured endpoint), and
 * signs nothing (the call is authenticated by the token itself).
 *
 * <p>Resolving blocks on STS: {@link BedrockCredentials} calls it off the event loop.
 */
final class WebIdentityCredentials implements AwsCredentialsProvider, SdkAutoCloseable {
    /** Connecting to STS; an endpoint that does not answer fails fast. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** One STS attempt, and all attempts with the SDK's retries: the bound on a credential refresh. */
    static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(12);

    private final StsClient sts;
    private final String roleArn;
    private final Path tokenFile;
    private final String sessionName;

    WebIdentityCredentials(String providerName, String region, String roleArn, String tokenFile, String stsEndpoint) {
        StsClientBuilder builder = StsClient.builder()
                .region(Region.of(region))
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT).socketTimeout(ATTEMPT_TIMEOUT))
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(ATTEMPT_TIMEOUT).apiCallTimeout(CALL_TIMEOUT));
        if (stsEndpoint != null) {
            builder.endpointOverride(URI.create(stsEndpoint));
        }
        this.sts = builder.build();
        this.roleArn = roleArn;
        this.tokenFile = Path.of(tokenFile);
        this.sessionName = sessionName(providerName);
    }

    /**
     * The token as the file holds it now (the kubelet rewrites it well before it expires), without
     * the line break a hand-written file ends in (a JWT holds no whitespace).
     */
    static String token(Path file) {
        try {
            String token = Files.readString(file).strip();
            if (token.isEmpty()) {
                throw new IllegalStateException("the web identity token file " + file + " is empty");
            }
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the web identity token file " + file + ": " + e.getMessage(), e);
        }
    }

    /** STS session names allow {@code [\w+=,.@-]}, 2 to 64 characters; it shows in CloudTrail. */
    static String sessionName(String providerName) {
        String name = ("gatehouse-" + providerName).replaceAll("[^\\w+=,.@-]", "-");
        return name.length() > 64 ? name.substring(0, 64) : name;
    }

    /**
     * One exchange at STS per call: no cache here, {@link BedrockCredentials} holds the answer and
     * asks again five minutes before it expires (a cache inside the SDK would hand the old one back).
     */
    @Override
    public AwsCredentials resolveCredentials() {
        Credentials c = sts.assumeRoleWithWebIdentity(AssumeRoleWithWebIdentityRequest.builder()
                .roleArn(roleArn).roleSessionName(sessionName).webIdentityToken(token(tokenFile)).build()).credentials();
        return AwsSessionCredentials.builder().accessKeyId(c.accessKeyId()).secretAccessKey(c.secretAccessKey())
                .sessionToken(c.sessionToken()).expirationTime(c.expiration()).providerName("WebIdentity").build();
    }

    @Override
    public void close() {
        sts.close();
    }
}
