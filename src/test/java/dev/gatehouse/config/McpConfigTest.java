package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code mcp} section: servers over each transport, naming, prices and the mistakes it names. */
class McpConfigTest {
    static final Path SOURCE = Path.of("gatehouse.yaml");
    static final String MODELS = """
            providers:
              mock: {kind: mock}
            models:
              m:
                targets: [{provider: mock}]
            """;

    @Test
    void readsServersOfEveryTransport() {
        GatehouseConfig c = ConfigLoader.parse(MODELS + """
                mcp:
                  separator: "."
                  max-rounds: 4
                  servers:
                    github:
                      transport: streamable-http
                      url: https://mcp.example.com/mcp
                      headers: {X-Team: platform}
                      credential: github-mcp
                      timeout: 5s
                      tools: {allow: ["list_*", get_issue], deny: [list_secrets]}
                      prices: {get_issue: "0.001", "*": "0.0005"}
                    old:
                      transport: sse
                      url: http://127.0.0.1:9000/sse
                      prefix: false
                    files:
                      transport: stdio
                      command: npx
                      args: [-y, "@modelcontextprotocol/server-filesystem", /srv]
                      env: {LOG_LEVEL: debug}
                    gatehouse:
                      transport: builtin
                """, SOURCE, Map.of());
        McpConfig mcp = c.mcp();
        assertThat(mcp.separator()).isEqualTo(".");
        assertThat(mcp.maxRounds()).isEqualTo(4);
        assertThat(mcp.servers().keySet()).containsExactly("github", "old", "files", "gatehouse");
        McpConfig.Server github = mcp.servers().get("github");
        assertThat(github.transport()).isEqualTo(McpConfig.Transport.STREAMABLE_HTTP);
        assertThat(github.headers()).containsEntry("X-Team", "platform");
        assertThat(github.credential()).isEqualTo("github-mcp");
        assertThat(github.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(github.allowTools()).containsExactly("list_*", "get_issue");
        assertThat(github.denyTools()).containsExactly("list_secrets");
        assertThat(github.price("get_issue")).isEqualTo(1_000);
        assertThat(github.price("list_repos")).isEqualTo(500);
        assertThat(mcp.servers().get("old").prefix()).isFalse();
        McpConfig.Server files = mcp.servers().get("files");
        assertThat(files.command()).isEqualTo("npx");
        assertThat(files.args()).containsExactly("-y", "@modelcontextprotocol/server-filesystem", "/srv");
        assertThat(files.env()).containsEntry("LOG_LEVEL", "debug");
    }

    @Test
    void noSectionMeansNoServers() {
        assertThat(ConfigLoader.parse(MODELS, SOURCE, Map.of()).mcp().servers()).isEmpty();
    }

    @Test
    void mistakesAreNamedWithTheirPlace() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(MODELS + """
                mcp:
                  servers:
                    a__b:
                      transport: streamable-http
                      url: https://x.example.com/mcp
                    nourl:
                      transport: sse
                    shell:
                      transport: stdio
                      command: "npx -y something"
                    weird:
                      transport: websocket
                    mine:
                      transport: builtin
                    priced:
                      transport: streamable-http
                      url: https://x.example.com/mcp
                      prices: {t: lots}
                """, SOURCE, Map.of()));
        List<String> messages = List.of(e.getMessage().split("\n"));
        assertThat(e.getMessage())
                .contains("mcp.servers.a__b").contains("must not contain the tool-name separator '__'")
                .contains("mcp.servers.nourl.url").contains("missing required key 'url'")
                .contains("mcp.servers.shell.command").contains("never through a shell")
                .contains("mcp.servers.weird.transport").contains("unknown transport 'websocket'")
                .contains("the built-in server must be named 'gatehouse'")
                .contains("mcp.servers.priced.prices.t");
        assertThat(messages).isNotEmpty();
    }
}
