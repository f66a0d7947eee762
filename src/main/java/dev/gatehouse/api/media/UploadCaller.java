package dev.gatehouse.api.media;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.MediaUnits;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import dev.gatehouse.dialect.openai.OpenAiMediaAnswer;
import dev.gatehouse.dialect.openai.OpenAiUploadRequest;
import dev.gatehouse.gateway.CallerFormat;
import dev.gatehouse.http.MultipartForm;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.routing.Target;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * A multipart upload to an OpenAI media endpoint (audio transcription and translation, image
 * edits and variations): the form is re-encoded for each target with the model replaced and its
 * files streamed from their spool files, so a failed target's fallback gets the same upload. The
 * answer passes back as it came (json, text, srt, vtt, verbose_json; images), and what it reports
 * (seconds transcribed, images made) replaces the request's estimate before the call is settled.
 */
final class UploadCaller implements CallerFormat {
    private final Endpoint endpoint;
    private final MultipartForm form;
    private final OpenAiUploadRequest request;

    UploadCaller(Endpoint endpoint, MultipartForm form, OpenAiUploadRequest request) {
        this.endpoint = endpoint;
        this.form = form;
        this.request = request;
    }

    @Override
    public boolean stream() {
        return request.stream();
    }

    @Override
    public Leg leg(Target target) {
        return new Leg() {
            @Override
            public Future<UpstreamRequest> upstreamRequest() {
                Provider provider = target.provider();
                if (!provider.servesOpenAiMedia()) {
                    return MediaTargets.unsupported(target, endpoint.openAiOperation());
                }
                MultipartBody body = new MultipartBody(form, target.upstreamModel());
                return Future.succeededFuture(provider.media(endpoint.openAiOperation(), body.contentType(), null, body,
                        target.upstreamModel()));
            }

            @Override
            public Buffer answer(Buffer upstreamBody, Call call) {
                MediaUnits units = request.units();
                if (units.unit() == MediaUnits.Unit.AUDIO_SECOND) {
                    Long seconds = OpenAiMediaAnswer.transcribedSeconds(upstreamBody);
                    if (seconds != null) {
                        call.media(units.withQuantity(Math.max(1, seconds))); // the provider's own figure
                    }
                } else {
                    int images = OpenAiMediaAnswer.images(upstreamBody);
                    if (images >= 0) {
                        call.media(units.withQuantity(images));
                    }
                }
                return upstreamBody;
            }

            @Override
            public StreamRelay relay() {
                return new PassthroughRelay(true);
            }
        };
    }

    @Override
    public MediaUnits media() {
        return request.units();
    }

    @Override
    public String answerContentType(MultiMap upstreamHeaders) {
        String format = request.responseFormat();
        String fallback = stream() ? "text/event-stream"
                : "text".equals(format) ? "text/plain; charset=utf-8"
                : "srt".equals(format) ? "application/x-subrip"
                : "vtt".equals(format) ? "text/vtt; charset=utf-8" : "application/json";
        return MediaTargets.contentType(upstreamHeaders, fallback);
    }

    @Override
    public Buffer errorBody(GatewayException error) {
        return OpenAiErrors.body(error);
    }
}
