package dev.gatehouse.dialect.mock;

import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.dialect.openai.OpenAiStyleProvider;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;

/**
 * The built-in mock provider: deterministic answers with configurable latency, length and
 * streaming pace, for demos without internet and for tests. It speaks OpenAI's wire format
 * in-process, so it takes the same path through the gateway as a real OpenAI-compatible server.
 */
public final class MockProvider extends OpenAiStyleProvider {

    public MockProvider(ProviderConfig config, Vertx vertx) {
        super(config, new MockTransport(vertx,
                config.mock() == null ? ProviderConfig.MockSettings.DEFAULTS : config.mock()));
    }

    /** The mock checks no key, so every team shares it. */
    @Override
    public MockProvider withApiKey(String apiKey) {
        return this;
    }

    @Override
    protected String url(String operation, String upstreamModel) {
        return "mock://" + config.name() + "/" + operation;
    }

    @Override
    protected void authenticate(MultiMap headers) {
        // the mock accepts anything
    }
}
