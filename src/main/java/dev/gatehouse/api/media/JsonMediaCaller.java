package dev.gatehouse.api.media;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.MediaUnits;
import dev.gatehouse.dialect.gemini.ImagenImages;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import dev.gatehouse.dialect.openai.OpenAiMediaAnswer;
import dev.gatehouse.dialect.openai.OpenAiMediaRequest;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.routing.Target;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * A JSON request to an OpenAI media endpoint (image generation, speech, moderation) and how to
 * answer it: sent to OpenAI-format targets (OpenAI, Azure OpenAI, OpenAI-compatible servers, the
 * built-in mock) with only the model replaced, the answer passed back as it came. The images an
 * answer holds replace the requested count before the call is settled.
 */
final class JsonMediaCaller implements CallerFormat {
    private final Endpoint endpoint;
    private final OpenAiMediaRequest request;

    JsonMediaCaller(Endpoint endpoint, OpenAiMediaRequest request) {
        this.endpoint = endpoint;
        this.request = request;
    }

    @Override
    public boolean stream() {
        return request.stream();
    }

    @Override
    public Leg leg(Target target) {
        return new Leg() {
            /** Whether this target answers with Imagen's shape, translated back to OpenAI's. */
            private boolean imagen;

            @Override
            public Future<UpstreamRequest> upstreamRequest() {
                Provider provider = target.provider();
                if (!provider.servesOpenAiMedia() && endpoint == Endpoint.IMAGES_GENERATIONS && provider.servesImagen()) {
                    imagen = true;
                    try {
                        return Future.succeededFuture(provider.imagen(ImagenImages.request(request.body().path("prompt").asText(),
                                (int) request.units().quantity(), request.body().path("size").asText(null)), target.upstreamModel()));
                    } catch (GatewayException e) {
                        return Future.failedFuture(e);
                    }
                }
                if (!provider.servesOpenAiMedia()) {
                    return MediaTargets.unsupported(target, endpoint.openAiOperation());
                }
                return Future.succeededFuture(provider.media(endpoint.openAiOperation(), "application/json",
                        request.withModel(target.upstreamModel()), null, target.upstreamModel()));
            }

            @Override
            public Buffer answer(Buffer upstreamBody, Call call) {
                if (imagen) {
                    upstreamBody = ImagenImages.answer(upstreamBody, request.responseFormat(), System.currentTimeMillis() / 1000);
                }
                if (request.units() != null && request.units().unit() == MediaUnits.Unit.IMAGE) {
                    int images = OpenAiMediaAnswer.images(upstreamBody);
                    if (images >= 0) {
                        call.media(request.units().withQuantity(images)); // billed for what came back
                    }
                }
                return upstreamBody;
            }

            @Override
            public StreamRelay relay() {
                return new PassthroughRelay(endpoint != Endpoint.AUDIO_SPEECH || "sse".equals(request.responseFormat()));
            }
        };
    }

    @Override
    public MediaUnits media() {
        return request.units();
    }

    @Override
    public String answerContentType(MultiMap upstreamHeaders) {
        return switch (endpoint) {
            case AUDIO_SPEECH -> MediaTargets.contentType(upstreamHeaders, "application/octet-stream");
            default -> stream() ? MediaTargets.contentType(upstreamHeaders, "text/event-stream") : null;
        };
    }

    @Override
    public Buffer errorBody(GatewayException error) {
        return OpenAiErrors.body(error);
    }
}
