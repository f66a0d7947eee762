package dev.gatehouse.api.media;

import dev.gatehouse.api.Ingress;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import dev.gatehouse.dialect.openai.OpenAiMediaRequest;
import dev.gatehouse.dialect.openai.OpenAiUploadRequest;
import dev.gatehouse.gateway.Gateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * OpenAI's media endpoints for callers: images ({@code /v1/images/generations}, {@code /edits},
 * {@code /variations}), audio ({@code /v1/audio/transcriptions}, {@code /translations},
 * {@code /speech}) and {@code /v1/moderations}. Each goes through the shared {@link Ingress} and
 * the gateway like chat does (keys, policies, limits, budgets, routing and fallback, the request
 * log, metrics, zero data retention); uploads are streamed to encrypted spool files, never held
 * whole in memory.
 */
public final class MediaApi {
    private final Ingress ingress;
    private final LongSupplier maxUploadBytes;

    public MediaApi(Gateway gateway, LongSupplier maxBodyBytes, LongSupplier maxUploadBytes, CallListener listener) {
        this.ingress = new Ingress(gateway, maxBodyBytes, listener);
        this.maxUploadBytes = maxUploadBytes;
    }

    /** Mounts the routes with and without the {@code /v1} prefix, as the chat routes are. */
    public void mount(Router router) {
        for (String prefix : new String[] {"/v1", ""}) {
            router.post(prefix + "/images/generations").handler(ctx -> json(ctx, Endpoint.IMAGES_GENERATIONS,
                    OpenAiMediaRequest::imageGeneration));
            router.post(prefix + "/audio/speech").handler(ctx -> json(ctx, Endpoint.AUDIO_SPEECH, OpenAiMediaRequest::speech));
            router.post(prefix + "/moderations").handler(ctx -> json(ctx, Endpoint.MODERATIONS, OpenAiMediaRequest::moderation));
            router.post(prefix + "/images/edits").handler(ctx -> upload(ctx, Endpoint.IMAGES_EDITS));
            router.post(prefix + "/images/variations").handler(ctx -> upload(ctx, Endpoint.IMAGES_VARIATIONS));
            router.post(prefix + "/audio/transcriptions").handler(ctx -> upload(ctx, Endpoint.AUDIO_TRANSCRIPTIONS));
            router.post(prefix + "/audio/translations").handler(ctx -> upload(ctx, Endpoint.AUDIO_TRANSLATIONS));
        }
    }

    private void json(RoutingContext ctx, Endpoint endpoint, Function<Buffer, OpenAiMediaRequest> read) {
        ingress.handle(ctx, endpoint, body -> {
            OpenAiMediaRequest request = read.apply(body);
            JsonMediaCaller caller = new JsonMediaCaller(endpoint, request);
            return new Ingress.Scanned(request.model(), request.stream(), 0, caller, null);
        }, OpenAiErrors::body);
    }

    private void upload(RoutingContext ctx, Endpoint endpoint) {
        ingress.handleUpload(ctx, endpoint, maxUploadBytes.getAsLong(), form -> {
            OpenAiUploadRequest request = OpenAiUploadRequest.read(endpoint, form.fields(), form.files().stream()
                    .map(f -> new OpenAiUploadRequest.UploadedFile(f.field(), f.filename(), f.contentType(), f.length(), f.head()))
                    .toList());
            return new Ingress.Scanned(request.model(), request.stream(), 0, new UploadCaller(endpoint, form, request), null);
        }, OpenAiErrors::body);
    }
}
