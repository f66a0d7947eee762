package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cloud provider kinds' keys: region, project and credentials, and what is refused. */
class CloudProviderConfigTest {
    static final Path SOURCE = Path.of("gatehouse.yaml");

    private static List<String> problems(String providers) {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.parse(providers + "models:\n  x: {targets: [{provider: p, model: m}]}\n", SOURCE, Map.of()));
        assertThat(e).as("expected a ConfigException").isNotNull();
        return e.problems();
    }

    private static ProviderConfig parse(String providers) {
        return ConfigLoader.parse(providers + "models:\n  x: {targets: [{provider: p, model: m}]}\n", SOURCE,
                Map.of("AWS_SECRET", "s3cr3t")).providers().get("p");
    }

    @Test
    void bedrockReadsRegionAndKeys() {
        ProviderConfig p = parse("providers:\n  p: {kind: bedrock, region: eu-central-1, access-key-id: AKIAX, "
                + "secret-access-key: \"${AWS_SECRET}\", session-token: tok}\n");
        assertThat(p.cloud().region()).isEqualTo("eu-central-1");
        assertThat(p.cloud().secretAccessKey()).isEqualTo("s3cr3t");
        assertThat(p.cloud().toString()).doesNotContain("s3cr3t").doesNotContain("tok");
    }

    @Test
    void bedrockNeedsARegionAndBothKeys() {
        assertThat(problems("providers:\n  p: {kind: bedrock}\n"))
                .anySatisfy(m -> assertThat(m).contains("providers.p: missing required key 'region' (the AWS region"));
        assertThat(problems("providers:\n  p: {kind: bedrock, region: us-east-1, access-key-id: AKIAX}\n"))
                .anySatisfy(m -> assertThat(m).contains("'secret-access-key' is missing"));
        assertThat(problems("providers:\n  p: {kind: bedrock, region: US_EAST, profile: dev}\n"))
                .anySatisfy(m -> assertThat(m).contains("providers.p.region: must be lower-case letters, digits and dashes"));
    }

    @Test
    void bedrockWebIdentityNeedsARoleArnAndATokenFileAndNoOtherSource() {
        ProviderConfig p = parse("providers:\n  p: {kind: bedrock, region: us-east-1, role-arn: \"arn:aws:iam::123456789012:role/"
                + "bedrock\", web-identity-token-file: /var/run/secrets/eks.amazonaws.com/serviceaccount/token, "
                + "sts-endpoint: \"https://sts.us-east-1.amazonaws.com\"}\n");
        assertThat(p.cloud().roleArn()).isEqualTo("arn:aws:iam::123456789012:role/bedrock");
        assertThat(p.cloud().webIdentityTokenFile()).isEqualTo("/var/run/secrets/eks.amazonaws.com/serviceaccount/token");
        assertThat(p.cloud().stsEndpoint()).isEqualTo("https://sts.us-east-1.amazonaws.com");
        assertThat(problems("providers:\n  p: {kind: bedrock, region: us-east-1, role-arn: \"arn:aws:iam::123456789012:role/b\"}\n"))
                .anySatisfy(m -> assertThat(m).contains("'web-identity-token-file' is missing"));
        assertThat(problems("providers:\n  p: {kind: bedrock, region: us-east-1, role-arn: bedrock-role, "
                + "web-identity-token-file: /t}\n"))
                .anySatisfy(m -> assertThat(m).contains("providers.p.role-arn: must be an IAM role ARN"));
        assertThat(problems("providers:\n  p: {kind: bedrock, region: us-east-1, profile: dev, "
                + "role-arn: \"arn:aws:iam::123456789012:role/b\", web-identity-token-file: /t}\n"))
                .anySatisfy(m -> assertThat(m).contains("role-arn cannot be combined with profile"));
        assertThat(problems("providers:\n  p: {kind: bedrock, region: us-east-1, sts-endpoint: \"http://127.0.0.1:1\"}\n"))
                .anySatisfy(m -> assertThat(m).contains("providers.p.sts-endpoint: needs role-arn"));
        assertThat(problems("providers:\n  p: {kind: bedrock, region: us-east-1, role-arn: \"arn:aws:iam::123456789012:role/b\", "
                + "web-identity-token-file: /t, sts-endpoint: sts.local}\n"))
                .anySatisfy(m -> assertThat(m).contains("providers.p.sts-endpoint: must be an http(s) URL"));
        assertThat(problems("providers:\n  p: {kind: vertex, project: x, region: global, role-arn: \"arn:aws:iam::1:role/b\"}\n"))
                .anySatisfy(m -> assertThat(m).contains("providers.p.role-arn: unknown key"));
    }

    @Test
    void vertexNeedsProjectAndRegion() {
        ProviderConfig p = parse("providers:\n  p: {kind: vertex, project: my-proj, region: global}\n");
        assertThat(p.cloud().project()).isEqualTo("my-proj");
        assertThat(p.cloud().region()).isEqualTo("global");
        assertThat(problems("providers:\n  p: {kind: vertex, region: us-central1}\n"))
                .anySatisfy(m -> assertThat(m).contains("providers.p: missing required key 'project'"));
    }

    @Test
    void cloudKeysAreUnknownToOtherKinds() {
        assertThat(problems("providers:\n  p: {kind: openai, region: us-east-1}\n"))
                .anySatisfy(m -> assertThat(m).contains("providers.p.region: unknown key"));
        assertThat(problems("providers:\n  p: {kind: bedrock, region: us-east-1, project: x}\n"))
                .anySatisfy(m -> assertThat(m).contains("providers.p.project: unknown key"));
    }
}
