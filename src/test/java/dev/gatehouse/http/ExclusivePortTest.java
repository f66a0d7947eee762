package dev.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.testing.GatewayHarness;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * The listener binds with SO_REUSEPORT (the kernel spreads connections over the event loops), which
 * would also let a second gateway of the same user take the same port and half its connections.
 * A port something already listens on is refused at start instead.
 */
class ExclusivePortTest {

    @Test
    void aPortInUseIsRefusedAndPortZeroGetsAFreeOne() throws IOException {
        try (ServerSocket other = new ServerSocket()) {
            other.bind(new InetSocketAddress("127.0.0.1", 0));
            int taken = other.getLocalPort();
            assertThatThrownBy(() -> GatewayServer.exclusivePort("127.0.0.1", taken)).isInstanceOf(IOException.class);
        }
        assertThat(GatewayServer.exclusivePort("127.0.0.1", 0)).isPositive();
    }

    @Test
    void aSecondGatewayOnTheSamePortDoesNotStart() {
        try (GatewayHarness first = GatewayHarness.start("""
                providers:
                  m: {kind: mock}
                models:
                  chat: {targets: [{provider: m}]}
                """)) {
            int port = java.net.URI.create(first.baseUrl()).getPort();
            assertThatThrownBy(() -> GatewayServer.exclusivePort("127.0.0.1", port)).isInstanceOf(IOException.class);
        }
    }
}
