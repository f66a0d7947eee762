package dev.gatehouse.provider;

import dev.gatehouse.canonical.RerankRequest;
import dev.gatehouse.canonical.RerankResponse;
import io.vertx.core.buffer.Buffer;

/**
 * How one provider serves rerank requests: its request (URL, auth, body) for a canonical one, and
 * its answer back to canonical. Errors are classified by the provider's {@link WireCodec}.
 */
public interface RerankWire {
    /** The upstream request for {@code request}, whose model is already the upstream model. */
    UpstreamRequest request(RerankRequest request);

    /** A successful upstream answer; throws a GatewayException when it is not one. */
    RerankResponse decode(Buffer body);
}
