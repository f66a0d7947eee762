package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OidcConfigTest {
    static final String MODELS = """
            providers:
              mock: {kind: mock}
            models:
              m: {targets: [{provider: mock}]}
            """;

    @Test
    void readsOidcWithDefaults() {
        GatehouseConfig config = ConfigLoader.parse(MODELS + """
                auth:
                  oidc: {issuer: "https://idp/", audience: gh, jwks-url: "https://idp/jwks", claims: {team: groups}}
                """, null, Map.of());
        OidcConfig oidc = config.auth().oidc();
        assertThat(oidc.issuer()).isEqualTo("https://idp/");
        assertThat(oidc.userClaim()).isEqualTo("sub");
        assertThat(oidc.teamClaim()).isEqualTo("groups");
        assertThat(oidc.rolesClaim()).isEqualTo("roles");
        assertThat(oidc.jwksRefresh()).isEqualTo(Duration.ofMinutes(10));
        assertThat(ConfigLoader.parse(MODELS, null, Map.of()).auth().oidc()).isNull();
    }

    @Test
    void reportsMissingAndUnknownKeys() {
        assertThatThrownBy(() -> ConfigLoader.parse(MODELS + """
                auth:
                  oidc: {audience: gh, jwks-url: "ftp://idp/jwks", claims: {usr: email}}
                """, null, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("issuer")
                .hasMessageContaining("jwks-url")
                .hasMessageContaining("usr");
    }
}
