package dev.gatehouse.provider.http;

import dev.gatehouse.provider.UpstreamResponse;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/** Adapts a Vert.x client response; its flow control maps one to one. */
final class HttpUpstreamResponse implements UpstreamResponse {
    private final HttpClientResponse response;

    HttpUpstreamResponse(HttpClientResponse response) {
        this.response = response;
    }

    @Override
    public int status() {
        return response.statusCode();
    }

    @Override
    public MultiMap headers() {
        return response.headers();
    }

    @Override
    public UpstreamResponse handler(Handler<Buffer> chunkHandler) {
        response.handler(chunkHandler);
        return this;
    }

    @Override
    public UpstreamResponse endHandler(Handler<Void> endHandler) {
        response.endHandler(endHandler);
        return this;
    }

    @Override
    public UpstreamResponse exceptionHandler(Handler<Throwable> exceptionHandler) {
        response.exceptionHandler(t -> exceptionHandler.handle(HttpTransport.classify(t)));
        return this;
    }

    @Override
    public void pause() {
        response.pause();
    }

    @Override
    public void resume() {
        response.resume();
    }
}
