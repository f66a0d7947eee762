package dev.gatehouse.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ConfigEndpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void secretsAreMaskedWhereverTheyAre() throws Exception {
        JsonNode config = JSON.readTree("""
                {"auth": {"masterKey": "gh-master-abc", "oidc": {"clientSecret": "s3cr3t", "issuer": "https://idp"}},
                 "providers": {"openai": {"apiKey": "sk-live", "apiKeyEnv": "OPENAI_API_KEY", "baseUrl": "https://api.openai.com",
                   "headers": {"X-Team": "finance"}, "maxTokens": 4096}},
                 "storage": {"url": "jdbc:postgresql://db/gh?user=gh&password=hunter2", "password": ""},
                 "redis": {"url": "redis://:pa55@cache:6379"},
                 "secrets": {"encryptionKeys": ["k1:abc", "k2:def"]}}
                """);
        JsonNode masked = ConfigEndpoints.mask(config, false);
        String text = masked.toString();
        assertThat(text).doesNotContain("gh-master-abc", "s3cr3t", "sk-live", "hunter2", "pa55", "k1:abc", "finance");
        assertThat(masked.at("/providers/openai/baseUrl").asText()).isEqualTo("https://api.openai.com");
        assertThat(masked.at("/providers/openai/maxTokens").asInt()).isEqualTo(4096);
        assertThat(masked.at("/auth/oidc/issuer").asText()).isEqualTo("https://idp");
        assertThat(masked.at("/redis/url").asText()).isEqualTo("redis://********@cache:6379");
        assertThat(masked.at("/storage/url").asText()).isEqualTo("jdbc:postgresql://db/gh?user=gh&password=********");
        assertThat(masked.at("/storage/password").asText()).isEmpty(); // nothing set shows as nothing
        assertThat(masked.at("/secrets/encryptionKeys/0").asText()).isEqualTo(ConfigEndpoints.MASK);
        assertThat(config.at("/auth/masterKey").asText()).isEqualTo("gh-master-abc"); // the original is untouched
    }
}
