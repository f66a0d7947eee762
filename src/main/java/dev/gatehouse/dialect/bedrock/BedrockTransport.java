package dev.gatehouse.dialect.bedrock;

import dev.gatehouse.config.Timeouts;
import dev.gatehouse.provider.Bodies;
import dev.gatehouse.provider.DeferredCall;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamCall;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.UpstreamResponse;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Signs each Bedrock request with SigV4 (the AWS SDK's signer, service {@code bedrock}) and sends
 * it over the shared Vert.x transport. The signature covers the body's SHA-256, so signing happens
 * here, after the body is final; headers the executor adds later (traceparent) are simply unsigned.
 *
 * <p>A 4xx that says the security token expired is not passed on: the credentials are resolved
 * anew and the request is signed and sent once more, so a rotated credential costs no failed call.
 * With a Bedrock API key instead of AWS credentials the request carries it as a bearer token.
 */
final class BedrockTransport implements Transport {
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();
    /** Error bodies read to look for an expired token are small JSON; more than this is not one. */
    private static final long MAX_ERROR_BODY = 64 * 1024;
    private static final List<String> SIGNED = List.of("content-type", "accept");

    private final Transport http;
    private final BedrockCredentials credentials;
    private final String bearer;
    private final String region;

    /** Signs with {@code credentials} in {@code region}. */
    BedrockTransport(Transport http, BedrockCredentials credentials, String region) {
        this.http = http;
        this.credentials = credentials;
        this.bearer = null;
        this.region = region;
    }

    /** Sends a Bedrock API key as {@code Authorization: Bearer}. */
    BedrockTransport(Transport http, String bearer, String region) {
        this.http = http;
        this.credentials = null;
        this.bearer = bearer;
        this.region = region;
    }

    @Override
    public UpstreamCall send(UpstreamRequest request, Timeouts timeouts) {
        if (bearer != null) {
            request.headers().set(HttpHeaders.AUTHORIZATION, "Bearer " + bearer);
            return http.send(request, timeouts);
        }
        DeferredCall call = new DeferredCall();
        // Credentials resolved for one call complete on that call's context: carry on in ours.
        Context context = Vertx.currentContext();
        credentials.get().onComplete(resolved -> DeferredCall.onContext(context, () -> {
            if (resolved.failed()) {
                call.fail(new UpstreamException(UpstreamError.of(ErrorClass.AUTHENTICATION,
                        "could not resolve AWS credentials for Bedrock: " + resolved.cause().getMessage())));
            } else {
                attempt(call, request, resolved.result(), timeouts, false);
            }
        }));
        return call;
    }

    private void attempt(DeferredCall call, UpstreamRequest request, AwsCredentialsIdentity identity, Timeouts timeouts,
            boolean renewed) {
        if (call.cancelled()) {
            return;
        }
        UpstreamCall inner;
        try {
            inner = http.send(sign(request, identity), timeouts);
        } catch (RuntimeException e) {
            call.fail(new UpstreamException(UpstreamError.of(ErrorClass.AUTHENTICATION,
                    "could not sign the Bedrock request: " + e.getMessage())));
            return;
        }
        call.sending(inner);
        inner.response().onComplete(head -> {
            if (head.failed()) {
                call.fail(head.cause());
                return;
            }
            UpstreamResponse response = head.result();
            int status = response.status();
            if (renewed || (status != 400 && status != 401 && status != 403)) {
                if (!call.complete(response)) {
                    inner.cancel();
                }
                return;
            }
            Bodies.collect(response, MAX_ERROR_BODY).onComplete(body -> {
                if (body.failed()) {
                    call.fail(body.cause());
                    return;
                }
                if (expired(response.headers(), body.result())) {
                    Context context = Vertx.currentContext();
                    credentials.renew(identity).onComplete(fresh -> DeferredCall.onContext(context, () -> {
                        if (fresh.failed()) {
                            call.fail(new UpstreamException(UpstreamError.of(ErrorClass.AUTHENTICATION,
                                    "the AWS security token expired and new credentials could not be resolved: "
                                            + fresh.cause().getMessage())));
                        } else {
                            attempt(call, request, fresh.result(), timeouts, true);
                        }
                    }));
                } else {
                    call.complete(new BufferedResponse(status, response.headers(), body.result()));
                }
            });
        });
    }

    private static boolean expired(MultiMap headers, Buffer body) {
        String type = BedrockWireCodec.exceptionName(headers.get("x-amzn-ErrorType"));
        String text = body.toString(StandardCharsets.UTF_8);
        if (type == null) {
            try {
                type = BedrockWireCodec.exceptionName(BedrockWireCodec.MAPPER.readTree(text).path("__type").asText(null));
            } catch (java.io.IOException | RuntimeException notJson) {
                // the message text below decides
            }
        }
        return BedrockWireCodec.expiredToken(type, text);
    }

    /** The request with SigV4 headers (Authorization, X-Amz-Date, X-Amz-Security-Token) added. */
    private UpstreamRequest sign(UpstreamRequest request, AwsCredentialsIdentity identity) {
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(URI.create(request.url()));
        for (String name : SIGNED) {
            String value = request.headers().get(name);
            if (value != null) {
                unsigned.putHeader(name, value);
            }
        }
        byte[] body = request.body() == null ? new byte[0] : request.body().getBytes();
        SignedRequest signed = SIGNER.sign(r -> r.identity(identity)
                .request(unsigned.build())
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
        for (Map.Entry<String, List<String>> h : signed.request().headers().entrySet()) {
            if (!h.getKey().equalsIgnoreCase("host")) { // the HTTP client writes the same Host itself
                headers.set(h.getKey(), h.getValue());
            }
        }
        return new UpstreamRequest(request.url(), headers, request.body(), request.stream());
    }
}
