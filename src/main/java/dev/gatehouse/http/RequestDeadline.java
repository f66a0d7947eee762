package dev.gatehouse.http;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.dialect.anthropic.AnthropicErrors;
import dev.gatehouse.dialect.openai.OpenAiErrors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The deadline to receive one request, headers and body (server.request-timeout): a slow client
 * (slow loris) can otherwise hold a connection for as long as it sends a byte within the idle
 * timeout. The clock starts with the first byte of a request on the connection, before the HTTP
 * codec has parsed anything, and stops when the codec has seen the request's last byte. A
 * keep-alive connection idle between requests has no deadline (the idle timeout governs it) and
 * the next request starts a fresh one; the answer (however long the upstream or the stream takes)
 * is never under it.
 *
 * <p>Two handlers share this state: {@link Bytes}, first in the pipeline from the moment the
 * connection is accepted (see {@link AcceptingTransport}), sees raw bytes (the start) and writes
 * raw bytes; {@link Messages}, after the codec (installed with the HTTP/1.x connection), sees the
 * parsed request and the response going out (the end). When the deadline passes while headers are
 * still arriving, the answer is a 408 in the API's generic error shape written here (no route is
 * known yet). When it passes during the body, the endpoint reading the body is told (see
 * {@link BodyReader}) and answers 408 in its caller's format; failing that within a moment, a 408
 * in the shape the path implies is written here. Either way the connection then closes, and what
 * the client still sends is dropped. HTTP/2 connections leave this to the HTTP/2 codec.
 */
final class RequestDeadline {
    /** After the deadline, how long the endpoint has to answer before the 408 is written here. */
    static final long ENDPOINT_ANSWER_MILLIS = 1_000;
    private static final String BYTES = "requestDeadlineBytes";
    private static final String MESSAGES = "requestDeadline";

    private enum State { IDLE, HEAD, BODY }

    private final long timeoutNanos;
    private State state = State.IDLE;
    private String path;
    /** The first handler's context: the 408 written there goes straight to the socket, already encoded. */
    private ChannelHandlerContext context;
    private ScheduledFuture<?> timer;
    /** When the current request's first byte arrived (System.nanoTime). */
    private long startedNanos;
    /** The endpoint reading the current request's body, told when the deadline passes. */
    private Consumer<Duration> bodyReader;
    /** A response has started and not ended. */
    private boolean responding;
    /** The current request has been answered already (e.g. refused before its body was read). */
    private boolean answered;
    /** The deadline passed: inbound bytes are dropped and the connection closes after the answer. */
    private boolean expired;
    /** The 408 was written here: what the endpoint writes afterwards is dropped. */
    private boolean answeredHere;

    private RequestDeadline(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    /** Puts the deadline's first handler on a connection just accepted (none when the timeout is zero). */
    static void attach(Channel channel, Duration timeout) {
        if (timeout != null && !timeout.isZero() && !timeout.isNegative()) {
            channel.pipeline().addFirst(BYTES, new RequestDeadline(timeout).new Bytes());
        }
    }

    /**
     * Completes the deadline once Vert.x has set the connection up (its connection handler): an
     * HTTP/1.x connection gets the handler after the codec; any other drops the deadline.
     */
    static void install(HttpConnection connection) {
        if (!(connection instanceof ConnectionBase base)) {
            return;
        }
        ChannelPipeline pipeline = base.channel().pipeline();
        if (!(pipeline.get(BYTES) instanceof Bytes bytes)) {
            return;
        }
        if (pipeline.get(Http2ConnectionHandler.class) != null || pipeline.get("httpDecoder") == null) {
            pipeline.remove(bytes);
        } else if (pipeline.get("handler") != null && pipeline.get(MESSAGES) == null) {
            pipeline.addBefore("handler", MESSAGES, bytes.owner().new Messages());
        }
    }

    /**
     * Tells {@code onExpiry} (on the event loop) when the deadline of {@code request}'s connection
     * passes while its body is being received. Nothing happens when the connection has no deadline.
     */
    static void whenExpired(HttpServerRequest request, Consumer<Duration> onExpiry) {
        if (request.connection() instanceof ConnectionBase base
                && base.channel().pipeline().get(MESSAGES) instanceof Messages messages) {
            RequestDeadline deadline = messages.owner();
            if (deadline.state == State.BODY) {
                deadline.bodyReader = onExpiry;
            }
        }
    }

    /** The failure an endpoint answers with when the deadline passed before the body was read. */
    static GatewayException timeout(Duration timeout) {
        return new GatewayException(ErrorType.REQUEST_TIMEOUT, "The request was not received in time: its headers and body must arrive within "
                + seconds(timeout) + " of its first byte (server.request-timeout).", null, "request_timeout");
    }

    /**
     * The timer is armed lazily and outlives the request: scheduling and cancelling a task for every
     * request of a keep-alive connection costs more than the request's clock itself. When it fires it
     * looks at the current request (if any) and re-arms itself for what that request has left.
     */
    private void start() {
        answered = false;
        startedNanos = System.nanoTime();
        if (timer == null) {
            timer = context.executor().schedule(this::expire, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The request has arrived whole: its clock stops (the timer, if armed, finds nothing to do). */
    private void stop() {
        state = State.IDLE;
        path = null;
        bodyReader = null;
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire() {
        timer = null;
        if (state == State.IDLE || expired || !context.channel().isActive()) {
            return;
        }
        long left = startedNanos + timeoutNanos - System.nanoTime();
        if (left > 0) {
            timer = context.executor().schedule(this::expire, left, TimeUnit.NANOSECONDS); // a later request's clock
            return;
        }
        if (context.pipeline().get(Http2ConnectionHandler.class) != null) {
            context.pipeline().remove(BYTES); // HTTP/2 after all (prior knowledge or an upgrade)
            return;
        }
        expired = true;
        if (responding) {
            return; // an earlier answer (or this request's own) is being written: close when it ends
        }
        if (answered) {
            context.channel().close(); // answered already; only the rest of its body was awaited
            return;
        }
        Consumer<Duration> reader = state == State.BODY ? bodyReader : null;
        if (reader != null) {
            bodyReader = null;
            reader.accept(Duration.ofNanos(timeoutNanos));
            context.executor().schedule(this::answerHere, ENDPOINT_ANSWER_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            answerHere();
        }
    }

    /** Writes the 408 unless a response has started, then closes. */
    private void answerHere() {
        if (!context.channel().isActive() || responding || answered) {
            return; // closed, or the endpoint is answering or has answered: closed when its response ends
        }
        answeredHere = true;
        GatewayException error = timeout(Duration.ofNanos(timeoutNanos));
        byte[] json = (path != null && isMessages(path) ? AnthropicErrors.body(error) : OpenAiErrors.body(error)).getBytes();
        byte[] head = ("HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\ncontent-length: " + json.length
                + "\r\nconnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuf response = Unpooled.wrappedBuffer(head, json);
        // Written from the head of the pipeline, past the codec: Vert.x may hold a request that never ends.
        context.writeAndFlush(response).addListener(done -> closeSoon());
    }

    /**
     * Closed a moment after the answer, not at once: a caller still sending would otherwise get a
     * reset that can discard the answer unread. Meanwhile what it sends is dropped.
     */
    private void closeSoon() {
        context.executor().schedule(() -> context.channel().close(), GatewayServer.REFUSAL_CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static boolean isMessages(String path) {
        return path.equals("/v1/messages") || path.startsWith("/v1/messages/") || path.startsWith("/v1/messages?");
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** First in the pipeline: the first byte of a request starts the clock. */
    private final class Bytes extends ChannelInboundHandlerAdapter {
        RequestDeadline owner() {
            return RequestDeadline.this;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            context = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (expired) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (state == State.IDLE && msg instanceof ByteBuf bytes && bytes.isReadable()) {
                state = State.HEAD;
                start();
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            stop(); // closed, or not HTTP/1.x
            cancelTimer();
        }
    }

    /** After the HTTP codec: a request's head and its last content; responses starting and ending. */
    private final class Messages extends ChannelDuplexHandler {
        RequestDeadline owner() {
            return RequestDeadline.this;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                if (!request.decoderResult().isSuccess()) {
                    stop(); // refused by the codec's own path, which closes the connection
                } else {
                    if (state == State.IDLE) {
                        // Pipelined: this request's bytes came with the previous one's end.
                        state = State.HEAD;
                        start();
                    }
                    state = State.BODY;
                    path = request.uri();
                }
            }
            if (msg instanceof LastHttpContent) {
                stop();
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (answeredHere) {
                // The 408 written at the head of the pipeline is the connection's last answer.
                ReferenceCountUtil.release(msg);
                promise.tryFailure(new ClosedChannelException());
                return;
            }
            if (msg instanceof HttpResponse response && response.status().code() >= 200) {
                responding = true;
            }
            if (msg instanceof LastHttpContent) {
                responding = false;
                answered = state != State.IDLE;
                if (expired) {
                    promise.addListener(done -> closeSoon());
                }
            }
            ctx.write(msg, promise);
        }
    }
}
