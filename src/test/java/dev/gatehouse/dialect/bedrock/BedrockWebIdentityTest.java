package dev.gatehouse.dialect.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.gatehouse.testing.FakeBedrock;
import dev.gatehouse.testing.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Web identity (IRSA on EKS): the gateway exchanges the token file for temporary credentials at a
 * fake STS that answers {@code AssumeRoleWithWebIdentity} in the shape of AWS's API reference,
 * then signs Bedrock calls with them, which the strict fake Bedrock verifies (SigV4 with the
 * session token). Credentials near expiry are fetched again before a call is signed.
 */
class BedrockWebIdentityTest {
    static final String ROLE = "arn:aws:iam::123456789012:role/gatehouse-bedrock";

    /** A fake STS on 127.0.0.1: the query-protocol form in, the documented XML out. */
    static final class FakeSts implements AutoCloseable {
        final Vertx vertx = Vertx.vertx();
        final List<Map<String, String>> calls = new CopyOnWriteArrayList<>();
        final AtomicInteger issued = new AtomicInteger();
        volatile Duration lifetime = Duration.ofHours(1);
        volatile String acceptedToken;
        volatile FakeBedrock bedrock;
        HttpServer server;

        FakeSts start() throws Exception {
            server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
                Map<String, String> form = form(body.toString(StandardCharsets.UTF_8));
                calls.add(form);
                answer(req, form);
            })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            return this;
        }

        String url() {
            return "http://127.0.0.1:" + server.actualPort();
        }

        void answer(HttpServerRequest req, Map<String, String> form) {
            String type = req.getHeader("content-type");
            if (!"POST".equals(req.method().name()) || type == null || !type.startsWith("application/x-www-form-urlencoded")
                    || !"AssumeRoleWithWebIdentity".equals(form.get("Action")) || !"2011-06-15".equals(form.get("Version"))) {
                error(req, 400, "InvalidAction", "Could not find operation for this request");
                return;
            }
            if (req.getHeader("authorization") != null) { // the token is the authentication: the call is not signed
                error(req, 400, "InvalidParameterValue", "AssumeRoleWithWebIdentity is not signed");
                return;
            }
            String session = form.get("RoleSessionName");
            if (!ROLE.equals(form.get("RoleArn")) || session == null || !session.matches("[\\w+=,.@-]{2,64}")) {
                error(req, 400, "ValidationError", "RoleArn or RoleSessionName is invalid");
                return;
            }
            if (!form.getOrDefault("WebIdentityToken", "").equals(acceptedToken)) {
                error(req, 400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider");
                return;
            }
            int n = issued.incrementAndGet();
            String keyId = "ASIAWEBIDENTITY0000" + n;
            String secret = "web-identity-secret-" + n;
            bedrock.allowKey(keyId, secret);
            Instant expiry = Instant.now().plus(lifetime).truncatedTo(ChronoUnit.SECONDS);
            req.response().putHeader("content-type", "text/xml").end("""
                    <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                      <AssumeRoleWithWebIdentityResult>
                        <SubjectFromWebIdentityToken>system:serviceaccount:ai:gatehouse</SubjectFromWebIdentityToken>
                        <Audience>sts.amazonaws.com</Audience>
                        <AssumedRoleUser>
                          <Arn>arn:aws:sts::123456789012:assumed-role/gatehouse-bedrock/%1$s</Arn>
                          <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:%1$s</AssumedRoleId>
                        </AssumedRoleUser>
                        <Credentials>
                          <SessionToken>web-identity-session-token-%2$d</SessionToken>
                          <SecretAccessKey>%3$s</SecretAccessKey>
                          <Expiration>%4$s</Expiration>
                          <AccessKeyId>%5$s</AccessKeyId>
                        </Credentials>
                        <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE</Provider>
                      </AssumeRoleWithWebIdentityResult>
                      <ResponseMetadata>
                        <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
                      </ResponseMetadata>
                    </AssumeRoleWithWebIdentityResponse>
                    """.formatted(session, n, secret, expiry, keyId));
        }

        static void error(HttpServerRequest req, int status, String code, String message) {
            req.response().setStatusCode(status).putHeader("content-type", "text/xml").end("""
                    <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                      <Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>
                      <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
                    </ErrorResponse>
                    """.formatted(code, message));
        }

        static Map<String, String> form(String body) {
            Map<String, String> form = new HashMap<>();
            for (String pair : body.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            return form;
        }

        @Override
        public void close() throws Exception {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    @TempDir
    static Path dir;
    static Path tokenFile;
    static FakeBedrock bedrock;
    static FakeSts sts;
    static GatewayHarness gateway;
    static OpenAIClient openai;

    @BeforeAll
    static void start() throws Exception {
        bedrock = FakeBedrock.start();
        sts = new FakeSts().start();
        sts.bedrock = bedrock;
        tokenFile = dir.resolve("token");
        gateway = GatewayHarness.start("""
                providers:
                  aws-irsa:
                    kind: bedrock
                    region: us-east-1
                    base-url: "%1$s"
                    role-arn: "%2$s"
                    web-identity-token-file: "%3$s"
                    sts-endpoint: "%4$s"
                  aws-refused:
                    kind: bedrock
                    region: us-east-1
                    base-url: "%1$s"
                    role-arn: "%2$s"
                    web-identity-token-file: "%5$s"
                    sts-endpoint: "%4$s"
                routing:
                  retries: {same-target: 0}
                models:
                  nova:
                    targets: [{provider: aws-irsa, model: amazon.nova-lite-v1:0}]
                  refused:
                    targets: [{provider: aws-refused, model: amazon.nova-lite-v1:0}]
                """.formatted(bedrock.baseUrl(), ROLE, tokenFile, sts.url(), write("a-token-sts-refuses")));
        openai = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(30)).maxRetries(0).build();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        sts.close();
        bedrock.close();
    }

    @BeforeEach
    void reset() {
        bedrock.reset();
        sts.calls.clear();
        sts.issued.set(0);
    }

    static ChatCompletion chat(String text) {
        return openai.chat().completions().create(ChatCompletionCreateParams.builder().model("nova").addUserMessage(text).build());
    }

    /**
     * One test, in order, because the provider's credential cache is the subject: the first call
     * assumes the role; credentials with four minutes left are replaced before the next call is
     * signed (a second STS call, with the token file read again); a token STS refuses fails the
     * call with an error rather than a hang.
     */
    @Test
    void assumesTheRoleWithTheTokenFileAndRefreshesNearExpiry() throws Exception {
        Files.writeString(tokenFile, "eyJhbGciOiJSUzI1NiJ9.first-token.sig\n");
        sts.acceptedToken = "eyJhbGciOiJSUzI1NiJ9.first-token.sig";
        sts.lifetime = Duration.ofMinutes(4); // inside the five minutes before expiry: due for refresh at the next call

        ChatCompletion first = chat("Hi");
        assertThat(first.choices().get(0).message().content()).hasValue("Hello from Bedrock.");
        assertThat(sts.calls).hasSize(1);
        Map<String, String> call = sts.calls.get(0);
        assertThat(call.get("WebIdentityToken")).isEqualTo("eyJhbGciOiJSUzI1NiJ9.first-token.sig");
        assertThat(call.get("RoleArn")).isEqualTo(ROLE);
        assertThat(call.get("RoleSessionName")).isEqualTo("gatehouse-aws-irsa");
        assertThat(bedrock.lastRequest().header("authorization")).contains("Credential=ASIAWEBIDENTITY00001/");
        assertThat(bedrock.lastRequest().header("x-amz-security-token")).isEqualTo("web-identity-session-token-1");

        // The kubelet rotated the projected token; the credentials are near expiry: a second exchange.
        Files.writeString(tokenFile, "eyJhbGciOiJSUzI1NiJ9.rotated-token.sig");
        sts.acceptedToken = "eyJhbGciOiJSUzI1NiJ9.rotated-token.sig";
        sts.lifetime = Duration.ofHours(1);
        ChatCompletion second = chat("Hi again");
        assertThat(second.choices().get(0).message().content()).hasValue("Hello from Bedrock.");
        assertThat(sts.calls).hasSize(2);
        assertThat(sts.calls.get(1).get("WebIdentityToken")).isEqualTo("eyJhbGciOiJSUzI1NiJ9.rotated-token.sig");
        assertThat(bedrock.lastRequest().header("authorization")).contains("Credential=ASIAWEBIDENTITY00002/");
        assertThat(bedrock.lastRequest().header("x-amz-security-token")).isEqualTo("web-identity-session-token-2");

        // Fresh for an hour now: served from memory, no STS call.
        chat("And again");
        assertThat(sts.calls).hasSize(2);
        assertThat(bedrock.requests()).hasSize(3);
    }

    @Test
    void aTokenStsRefusesFailsTheCallWithStsReasonAndNothingReachesBedrock() {
        sts.acceptedToken = "some-other-token";
        assertThatThrownBy(() -> openai.chat().completions().create(
                ChatCompletionCreateParams.builder().model("refused").addUserMessage("Hi").build()))
                .isInstanceOf(com.openai.errors.InternalServerException.class)
                .hasMessageContaining("502")
                .hasMessageContaining("could not resolve AWS credentials")
                .hasMessageContaining("Couldn't retrieve verification key from your identity provider");
        assertThat(sts.calls).extracting(c -> c.get("WebIdentityToken")).contains("a-token-sts-refuses");
        assertThat(bedrock.requests()).isEmpty();
    }

    /**
     * Without the config keys, the AWS default chain finds web identity too (here through its
     * system-property names for AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ENDPOINT_URL_STS):
     * it needs the sts module and an HTTP client on the class path, which this checks.
     */
    @Test
    void theDefaultChainAssumesTheRoleFromTheStandardSettings() throws Exception {
        Map<String, String> props = Map.of("aws.roleArn", ROLE, "aws.webIdentityTokenFile", write("chain-token").toString(),
                "aws.roleSessionName", "gatehouse-chain", "aws.region", "us-east-1", "aws.endpointUrlSts", sts.url());
        props.forEach(System::setProperty);
        sts.acceptedToken = "chain-token";
        sts.lifetime = Duration.ofHours(1);
        BedrockCredentials chain = new BedrockCredentials(sts.vertx,
                () -> software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider.builder().build(), java.time.Clock.systemUTC());
        try {
            var identity = chain.get().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(identity.accessKeyId()).startsWith("ASIAWEBIDENTITY");
            assertThat(sts.calls).hasSize(1);
            assertThat(sts.calls.getLast().get("WebIdentityToken")).isEqualTo("chain-token");
            assertThat(sts.calls.getLast().get("RoleSessionName")).isEqualTo("gatehouse-chain");
        } finally {
            chain.close();
            props.keySet().forEach(System::clearProperty);
        }
    }

    static Path write(String token) throws Exception {
        Path p = Files.createTempFile(dir, "token", "");
        Files.writeString(p, token);
        return p;
    }

    @Test
    void sessionNamesAreCleanedToWhatStsAccepts() {
        assertThat(WebIdentityCredentials.sessionName("aws east/1")).isEqualTo("gatehouse-aws-east-1");
        assertThat(WebIdentityCredentials.sessionName("x".repeat(100))).hasSize(64);
    }
}
