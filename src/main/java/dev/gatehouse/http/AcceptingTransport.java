package dev.gatehouse.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TcpConfig;
import io.vertx.core.transport.Transport;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * A Vert.x transport (the native one, else NIO) that hands each accepted connection to a hook
 * before Vert.x sets the connection up. Vert.x first reads a few bytes to tell HTTP/1.1 from
 * cleartext HTTP/2 and calls a server's connection handler only once a request has been parsed;
 * the request deadline (see {@link RequestDeadline}) must see a request's first byte, so its
 * handler is put at the head of the pipeline here, where it sees every byte.
 */
@SuppressWarnings("deprecation") // InternetProtocolFamily: the SPI's own signature
final class AcceptingTransport implements Transport {
    private final Transport base;
    private final io.vertx.core.spi.transport.Transport implementation;

    /** @param onAccept called on the connection's event loop before Vert.x's own handlers are added */
    AcceptingTransport(Transport base, Consumer<Channel> onAccept) {
        this.base = base;
        this.implementation = new Implementation(base.implementation(), onAccept);
    }

    /** The native transport when this machine has one, else NIO (what preferNativeTransport chooses). */
    static Transport preferred() {
        Transport nativeTransport = Transport.nativeTransport();
        return nativeTransport != null && nativeTransport.available() ? nativeTransport : Transport.NIO;
    }

    @Override
    public String name() {
        return base.name();
    }

    @Override
    public boolean available() {
        return base.available();
    }

    @Override
    public Throwable unavailabilityCause() {
        return base.unavailabilityCause();
    }

    @Override
    public io.vertx.core.spi.transport.Transport implementation() {
        return implementation;
    }

    private record Implementation(io.vertx.core.spi.transport.Transport base, Consumer<Channel> onAccept)
            implements io.vertx.core.spi.transport.Transport {

        @Override
        public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
            ChannelFactory<? extends ServerChannel> factory = base.serverChannelFactory(domainSocket);
            return () -> {
                ServerChannel server = factory.newChannel();
                // First on the listening channel's pipeline: it sees each accepted connection before
                // the bootstrap's acceptor adds Vert.x's initializer to it.
                server.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object accepted) {
                        if (accepted instanceof Channel child) {
                            onAccept.accept(child);
                        }
                        ctx.fireChannelRead(accepted);
                    }
                });
                return server;
            };
        }

        @Override
        public boolean supportsDomainSockets() {
            return base.supportsDomainSockets();
        }

        @Override
        public boolean supportFileRegion() {
            return base.supportFileRegion();
        }

        @Override
        public boolean isAvailable() {
            return base.isAvailable();
        }

        @Override
        public Throwable unavailabilityCause() {
            return base.unavailabilityCause();
        }

        @Override
        public java.net.SocketAddress convert(SocketAddress address) {
            return base.convert(address);
        }

        @Override
        public SocketAddress convert(java.net.SocketAddress address) {
            return base.convert(address);
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return base.ioHandlerFactory();
        }

        @Override
        public EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory threadFactory, int ioRatio) {
            return base.eventLoopGroup(type, threads, threadFactory, ioRatio);
        }

        @Override
        public DatagramChannel datagramChannel(InternetProtocolFamily family) {
            return base.datagramChannel(family);
        }

        @Override
        public ChannelFactory<? extends DatagramChannel> datagramChannelFactory() {
            return base.datagramChannelFactory();
        }

        @Override
        public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
            return base.channelFactory(domainSocket);
        }

        @Override
        public void configure(DatagramChannel channel, DatagramSocketOptions options) {
            base.configure(channel, options);
        }

        @Override
        public void configure(TcpConfig config, boolean domainSocket, Bootstrap bootstrap) {
            base.configure(config, domainSocket, bootstrap);
        }

        @Override
        public void configure(TcpConfig config, boolean domainSocket, ServerBootstrap bootstrap) {
            base.configure(config, domainSocket, bootstrap);
        }
    }
}
