package dev.gatehouse.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The most client connections the node keeps open. Counted where a connection is accepted (see
 * {@link AcceptingTransport}), before Vert.x sets it up: one beyond the limit is closed before a
 * byte is read, so a flood of idle or slow connections cannot pin the node's memory.
 */
public final class ConnectionLimit {
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private volatile IntSupplier max = () -> Integer.MAX_VALUE;

    /** The limit in force, read for each new connection (follows config reloads). */
    public void max(IntSupplier max) {
        this.max = max;
    }

    /** Counts an accepted connection, or closes it (and returns false) when the limit is reached. */
    boolean admit(Channel channel) {
        if (open.incrementAndGet() > max.getAsInt()) {
            open.decrementAndGet();
            refused.incrementAndGet();
            // Not yet registered with an event loop here: closed as soon as it is active, ahead of
            // every other handler, and whatever it sent is dropped unread.
            channel.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelActive(ChannelHandlerContext ctx) {
                    ctx.close();
                }

                @Override
                public void channelRead(ChannelHandlerContext ctx, Object message) {
                    ReferenceCountUtil.release(message);
                }
            });
            return false;
        }
        channel.closeFuture().addListener(closed -> open.decrementAndGet());
        return true;
    }

    public int open() {
        return open.get();
    }

    /** Connections closed at once since start because the limit was reached. */
    public long refused() {
        return refused.get();
    }
}
