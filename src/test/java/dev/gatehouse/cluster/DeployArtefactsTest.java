package dev.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.GatehouseConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart (deploy/helm/gatehouse) and the laptop cluster (docker-compose.yaml): rendered and
 * parsed as Kubernetes and Compose would read them, their parts wired to each other (labels,
 * selectors, names, ports, probes on the health endpoints), and the gateway configuration each
 * ships accepted by the gateway's own loader.
 */
class DeployArtefactsTest {
    private static final Path CHART = Path.of("deploy/helm/gatehouse");
    private static final Map<String, String> ENV = Map.of("GATEHOUSE_MASTER_KEY", "gh-master-test-0123456789abcdef",
            "GATEHOUSE_DB_PASSWORD", "secret", "GATEHOUSE_REDIS_URL", "redis://redis:6379", "OPENAI_API_KEY", "sk-test");

    @Test
    void theChartRendersToWiredManifestsWithProbesOnTheHealthEndpoints() throws Exception {
        Map<String, JsonNode> manifests = render(values());
        assertThat(manifests.keySet()).containsExactlyInAnyOrder("Deployment", "Service", "ConfigMap", "Secret", "PodDisruptionBudget",
                "hook:Job", "hook:ConfigMap", "hook:Secret");

        JsonNode deployment = manifests.get("Deployment");
        JsonNode pod = deployment.path("spec").path("template");
        JsonNode labels = pod.path("metadata").path("labels");
        assertThat(deployment.path("spec").path("replicas").asInt()).isEqualTo(3);
        assertThat(deployment.path("spec").path("selector").path("matchLabels")).isEqualTo(labels);
        assertThat(manifests.get("Service").path("spec").path("selector")).isEqualTo(labels);
        assertThat(manifests.get("PodDisruptionBudget").path("spec").path("selector").path("matchLabels")).isEqualTo(labels);
        assertThat(manifests.get("PodDisruptionBudget").path("spec").path("minAvailable").asInt()).isEqualTo(2);
        assertThat(deployment.path("spec").path("strategy").path("rollingUpdate").path("maxUnavailable").asInt()).isZero();

        JsonNode container = pod.path("spec").path("containers").get(0);
        assertThat(container.path("image").asText()).isEqualTo("gatehouse:0.1.0");
        assertThat(container.path("ports").get(0).path("containerPort").asInt()).isEqualTo(8080);
        assertThat(texts(container.path("args"))).containsSubsequence("--config", "/config/gatehouse.yaml").contains("--migrate-at-start=false");
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/ready");
        assertThat(container.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/health/ready");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/live");
        assertThat(container.path("readinessProbe").path("httpGet").path("port").asText()).isEqualTo("http");
        assertThat(texts(container.path("lifecycle").path("preStop").path("exec").path("command"))).containsExactly("sleep", "5");
        assertThat(container.path("resources").path("requests").path("cpu").asText()).isEqualTo("1");
        assertThat(manifests.get("Service").path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("http");

        // The config volume is the chart's ConfigMap; every secret the container reads is in the chart's Secret.
        String configMap = manifests.get("ConfigMap").path("metadata").path("name").asText();
        assertThat(pod.path("spec").path("volumes").findValuesAsText("name")).contains(configMap);
        JsonNode secret = manifests.get("Secret");
        for (JsonNode env : container.path("env")) {
            JsonNode ref = env.path("valueFrom").path("secretKeyRef");
            if (!ref.isMissingNode()) {
                assertThat(ref.path("name").asText()).isEqualTo(secret.path("metadata").path("name").asText());
                assertThat(secret.path("stringData").has(ref.path("key").asText())).as(ref.toString()).isTrue();
            }
        }

        // The shipped gatehouse.yaml is a valid server-mode configuration.
        GatehouseConfig config = ConfigLoader.parseWithWarnings(manifests.get("ConfigMap").path("data").path("gatehouse.yaml").asText(),
                Path.of("gatehouse.yaml"), ENV).config();
        assertThat(config.storage().url()).startsWith("jdbc:postgresql:");
        assertThat(config.redis().enabled()).isTrue();

        // A stopped pod gets time for the preStop pause, the drain (server.drain-timeout) and the
        // request-log flush before Kubernetes kills it.
        long grace = pod.path("spec").path("terminationGracePeriodSeconds").asLong();
        long preStop = Long.parseLong(texts(container.path("lifecycle").path("preStop").path("exec").path("command")).get(1));
        assertThat(grace).as("terminationGracePeriodSeconds").isGreaterThanOrEqualTo(preStop + config.server().drainTimeout().toSeconds() + 15);
    }

    @Test
    void aHookJobMigratesOncePerReleaseWithTheNodesConfigAndSecrets() throws Exception {
        Map<String, JsonNode> manifests = render(values());
        JsonNode job = manifests.get("hook:Job");
        JsonNode config = manifests.get("hook:ConfigMap");
        JsonNode secret = manifests.get("hook:Secret");
        assertThat(job.path("apiVersion").asText()).isEqualTo("batch/v1");
        for (JsonNode hook : List.of(job, config, secret)) {
            JsonNode annotations = hook.path("metadata").path("annotations");
            assertThat(annotations.path("helm.sh/hook").asText().split(",")).containsExactlyInAnyOrder("pre-install", "pre-upgrade");
            assertThat(annotations.path("helm.sh/hook-delete-policy").asText()).contains("before-hook-creation");
        }
        // What the Job reads is made before it.
        assertThat(config.path("metadata").path("annotations").path("helm.sh/hook-weight").asInt())
                .isLessThan(job.path("metadata").path("annotations").path("helm.sh/hook-weight").asInt());
        assertThat(secret.path("metadata").path("annotations").path("helm.sh/hook-weight").asInt())
                .isLessThan(job.path("metadata").path("annotations").path("helm.sh/hook-weight").asInt());
        JsonNode pod = job.path("spec").path("template").path("spec");
        assertThat(pod.path("restartPolicy").asText()).isEqualTo("Never");
        assertThat(job.path("spec").path("backoffLimit").asInt()).isEqualTo(2);
        assertThat(job.path("spec").path("activeDeadlineSeconds").asInt()).isPositive();
        JsonNode container = pod.path("containers").get(0);
        assertThat(container.path("image").asText()).isEqualTo("gatehouse:0.1.0");
        assertThat(texts(container.path("command"))).containsSubsequence("-jar", "/app/gatehouse.jar", "migrate", "--config",
                "/config/gatehouse.yaml");
        assertThat(pod.path("volumes").findValuesAsText("name")).contains(config.path("metadata").path("name").asText());
        // The same config as the nodes', and every secret the nodes read, from the hook's copy of the Secret.
        assertThat(config.path("data")).isEqualTo(manifests.get("ConfigMap").path("data"));
        assertThat(secret.path("stringData")).isEqualTo(manifests.get("Secret").path("stringData"));
        List<String> nodeSecrets = new ArrayList<>();
        manifests.get("Deployment").path("spec").path("template").path("spec").path("containers").get(0).path("env")
                .forEach(e -> nodeSecrets.add(e.path("valueFrom").path("secretKeyRef").path("key").asText()));
        List<String> jobSecrets = new ArrayList<>();
        for (JsonNode env : container.path("env")) {
            JsonNode ref = env.path("valueFrom").path("secretKeyRef");
            if (!ref.isMissingNode()) {
                assertThat(ref.path("name").asText()).isEqualTo(secret.path("metadata").path("name").asText());
                assertThat(secret.path("stringData").has(ref.path("key").asText())).as(ref.toString()).isTrue();
                jobSecrets.add(ref.path("key").asText());
            }
        }
        assertThat(jobSecrets).containsAll(nodeSecrets.stream().filter(k -> !k.isEmpty()).toList());

        // Your own Secret: the Job reads it as the nodes do.
        ObjectNode own = values();
        own.put("createSecret", false);
        Map<String, JsonNode> withOwn = render(own);
        assertThat(withOwn).containsKey("hook:Job").doesNotContainKeys("Secret", "hook:Secret");
        assertThat(withOwn.get("hook:Job").path("spec").path("template").path("spec").path("containers").get(0).path("env")
                .findValuesAsText("name")).contains("gh-secrets");

        // Migrations at each node's start instead: no Job, no flag.
        ObjectNode atStart = values();
        ((ObjectNode) atStart.path("migrations")).put("job", false);
        Map<String, JsonNode> noJob = render(atStart);
        assertThat(noJob.keySet()).noneMatch(k -> k.startsWith("hook:"));
        assertThat(texts(noJob.get("Deployment").path("spec").path("template").path("spec").path("containers").get(0).path("args")))
                .doesNotContain("--migrate-at-start=false");
    }

    @Test
    void optionsOfTheChartTurnPartsOnAndOff() throws Exception {
        ObjectNode values = values();
        ((ObjectNode) values.path("autoscaling")).put("enabled", true);
        values.put("createSecret", false);
        values.putArray("extraEnv").addObject().put("name", "OPENAI_API_KEY").putObject("valueFrom").putObject("secretKeyRef")
                .put("name", "provider-keys").put("key", "openai");
        Map<String, JsonNode> manifests = render(values);
        assertThat(manifests).containsKey("HorizontalPodAutoscaler").doesNotContainKeys("Secret", "hook:Secret");
        JsonNode hpa = manifests.get("HorizontalPodAutoscaler");
        assertThat(hpa.path("spec").path("scaleTargetRef").path("name").asText())
                .isEqualTo(manifests.get("Deployment").path("metadata").path("name").asText());
        assertThat(hpa.path("spec").path("minReplicas").asInt()).isEqualTo(3);
        JsonNode env = manifests.get("Deployment").path("spec").path("template").path("spec").path("containers").get(0).path("env");
        assertThat(env.findValuesAsText("name")).contains("OPENAI_API_KEY", "GATEHOUSE_MASTER_KEY");
    }

    @Test
    void theComposeFileRunsThreeNodesOnePostgresOneRedisBehindARoundRobinBalancer() throws Exception {
        // SnakeYAML, as Compose, resolves the merge key (<<: *gatehouse) that Jackson leaves alone.
        JsonNode compose = HelmTemplate.YAML.valueToTree(new Yaml().load(Files.readString(Path.of("docker-compose.yaml"))));
        JsonNode services = compose.path("services");
        List<String> nodes = new ArrayList<>();
        services.fieldNames().forEachRemaining(name -> {
            if (name.startsWith("gatehouse-")) {
                nodes.add(name);
            }
        });
        assertThat(nodes).containsExactly("gatehouse-1", "gatehouse-2", "gatehouse-3");
        assertThat(services.has("postgres")).isTrue();
        assertThat(services.has("redis")).isTrue();
        for (String node : nodes) {
            JsonNode merged = services.path(node);
            assertThat(merged.path("command").toString()).as(node).contains("/config/gatehouse.yaml");
            assertThat(merged.path("depends_on").path("postgres").path("condition").asText()).isEqualTo("service_healthy");
            assertThat(merged.path("volumes").get(0).asText()).startsWith("./deploy/compose/gatehouse.yaml:");
            assertThat(merged.path("environment").path("GATEHOUSE_REDIS_URL").asText()).isEqualTo("redis://redis:6379");
        }
        assertThat(services.path("loadbalancer").path("ports").get(0).asText()).isEqualTo("8080:8080");
        String nginx = Files.readString(Path.of("deploy/compose/nginx.conf"));
        for (String node : nodes) {
            assertThat(nginx).contains("server " + node + ":8080");
        }
        GatehouseConfig config = ConfigLoader.parseWithWarnings(Files.readString(Path.of("deploy/compose/gatehouse.yaml")),
                Path.of("deploy/compose/gatehouse.yaml"), ENV).config();
        assertThat(config.storage().url()).isEqualTo("jdbc:postgresql://postgres:5432/gatehouse");
        assertThat(config.redis().url()).isEqualTo("redis://redis:6379");
        for (String node : nodes) {
            // docker compose stop: SIGTERM, then SIGKILL after stop_grace_period; the drain and the flush fit in it.
            String stopGrace = services.path(node).path("stop_grace_period").asText();
            assertThat(stopGrace).as(node).matches("\\d+s");
            assertThat(Long.parseLong(stopGrace.substring(0, stopGrace.length() - 1))).as(node)
                    .isGreaterThanOrEqualTo(config.server().drainTimeout().toSeconds() + 10);
        }
    }

    private static ObjectNode values() throws IOException {
        return (ObjectNode) HelmTemplate.YAML.readTree(Files.readString(CHART.resolve("values.yaml")));
    }

    /** Every template rendered with these values, by kind (the chart has one object of each kind, and of each hook kind). */
    private static Map<String, JsonNode> render(JsonNode values) throws IOException {
        HelmTemplate template = new HelmTemplate(values, "gh", HelmTemplate.YAML.readTree(Files.readString(CHART.resolve("Chart.yaml"))));
        Map<String, JsonNode> byKind = new HashMap<>();
        try (Stream<Path> files = Files.list(CHART.resolve("templates"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (String text : template.render(Files.readString(file)).split("(?m)^---$")) {
                    if (text.isBlank() || text.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
                        continue;
                    }
                    JsonNode manifest = HelmTemplate.YAML.readTree(text);
                    assertThat(manifest.path("apiVersion").asText()).as(file.toString()).isNotEmpty();
                    assertThat(manifest.path("metadata").path("name").asText()).as(file.toString()).startsWith("gh");
                    // Helm hooks (made before the release's objects, deleted after) are told apart: "hook:Job".
                    String kind = (manifest.path("metadata").path("annotations").has("helm.sh/hook") ? "hook:" : "")
                            + manifest.path("kind").asText();
                    assertThat(byKind.put(kind, manifest)).as("one %s", kind).isNull();
                }
            }
        }
        return byKind;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
