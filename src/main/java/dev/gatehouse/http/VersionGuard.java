package dev.gatehouse.http;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Refuses, in the API's error shape, a request line with an HTTP version other than 1.0 or 1.1
 * (say {@code HTTP/2.5}): the codec parses it, and Vert.x then answers 501 with an empty body
 * before any handler of ours runs. Sits after the HTTP codec, so it sees parsed requests.
 */
final class VersionGuard extends ChannelInboundHandlerAdapter {
    /** A request was refused: drop what follows until the connection is closed. */
    private boolean refused;

    private VersionGuard() {}

    /** Installs the guard on an HTTP/1.x connection; call from the server's connection handler. */
    static void install(HttpConnection connection) {
        if (connection instanceof ConnectionBase base) {
            ChannelPipeline pipeline = base.channel().pipeline();
            if (pipeline.get("httpDecoder") != null && pipeline.get("handler") != null) {
                pipeline.addBefore("handler", "versionGuard", new VersionGuard());
            }
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()
                && !HttpVersion.HTTP_1_1.equals(request.protocolVersion()) && !HttpVersion.HTTP_1_0.equals(request.protocolVersion())) {
            refused = true;
            ReferenceCountUtil.release(msg);
            ByteBuf body = Unpooled.wrappedBuffer(OpenAiErrors.body(new GatewayException(ErrorType.INVALID_REQUEST,
                    "HTTP version " + request.protocolVersion().text() + " is not supported: use HTTP/1.1.", null,
                    "http_version_not_supported")).getBytes());
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            // Closed from this context, not the channel's tail: Vert.x's handler never saw the request.
            ctx.writeAndFlush(response).addListener(done -> ctx.close());
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
