package dev.gatehouse.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.canonical.Usage;
import dev.gatehouse.config.Micros;
import dev.gatehouse.config.ModelConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PricingTest {
    static final PriceCatalogue CATALOGUE = PriceCatalogue.shipped();

    @Test
    void shippedCatalogueCoversTheMajorProviders() {
        assertThat(CATALOGUE.size()).isGreaterThan(40);
        assertThat(CATALOGUE.asOf()).isNotBlank();
        for (String model : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5", "o3", "claude-sonnet-4-5",
                "claude-haiku-4-5", "gemini-2.5-pro", "gemini-2.5-flash", "deepseek-chat", "mistral-large-latest", "grok-4"}) {
            assertThat(CATALOGUE.find(model)).as(model).isNotNull();
        }
    }

    @Test
    void pricesAreExactMicroUnitsPerMillionTokens() {
        ModelPrice mini = CATALOGUE.find("gpt-4o-mini");
        assertThat(mini.input()).isEqualTo(150_000);      // $0.15 / 1M
        assertThat(mini.cachedInput()).isEqualTo(75_000); // $0.075 / 1M
        assertThat(mini.output()).isEqualTo(600_000);     // $0.60 / 1M
        assertThat(mini.maxOutputTokens()).isEqualTo(16384);
        ModelPrice sonnet = CATALOGUE.find("claude-sonnet-4-5");
        assertThat(sonnet.cacheWrite()).isEqualTo(3_750_000);
        assertThat(sonnet.cachedInput()).isEqualTo(300_000);
        assertThat(CATALOGUE.find("dall-e-3").perImage()).isEqualTo(40_000);
    }

    @Test
    void datedAndPrefixedNamesFindTheirModel() {
        assertThat(CATALOGUE.find("gpt-4o-2024-08-06")).isEqualTo(CATALOGUE.find("gpt-4o"));
        assertThat(CATALOGUE.find("gpt-4o-mini-2024-07-18")).isEqualTo(CATALOGUE.find("gpt-4o-mini"));
        assertThat(CATALOGUE.find("claude-sonnet-4-5-20250929")).isEqualTo(CATALOGUE.find("claude-sonnet-4-5"));
        assertThat(CATALOGUE.find("claude-3-5-sonnet-latest")).isEqualTo(CATALOGUE.find("claude-3-5-sonnet"));
        assertThat(CATALOGUE.find("claude-3-5-haiku@20241022")).isEqualTo(CATALOGUE.find("claude-3-5-haiku"));
        assertThat(CATALOGUE.find("openai/GPT-4o")).isEqualTo(CATALOGUE.find("gpt-4o"));
        assertThat(CATALOGUE.find("models/gemini-2.0-flash-001")).isEqualTo(CATALOGUE.find("gemini-2.0-flash"));
        assertThat(CATALOGUE.find("gpt-3.5-turbo-0125")).isEqualTo(CATALOGUE.find("gpt-3.5-turbo"));
        assertThat(CATALOGUE.find("claude-opus-4-20250514")).isEqualTo(CATALOGUE.find("claude-opus-4-0"));
        assertThat(CATALOGUE.find("no-such-model-2024-01-01")).isNull();
        // Bedrock ids: cross-region profile and vendor prefixes, version suffixes.
        assertThat(CATALOGUE.find("us.anthropic.claude-sonnet-4-20250514-v1:0")).isEqualTo(CATALOGUE.find("claude-sonnet-4-0"));
        assertThat(CATALOGUE.find("anthropic.claude-3-haiku-20240307-v1:0")).isEqualTo(CATALOGUE.find("claude-3-haiku"));
        assertThat(CATALOGUE.find("amazon.nova-lite-v1:0")).isNotNull().isEqualTo(CATALOGUE.find("nova-lite"));
        assertThat(CATALOGUE.find("cohere.command-r-plus-v1:0")).isNotNull().isEqualTo(CATALOGUE.find("command-r-plus-08-2024"));
        assertThat(CATALOGUE.find("claude-sonnet-4@20250514")).isEqualTo(CATALOGUE.find("claude-sonnet-4-0")); // Vertex
        // A longer name is not confused with its prefix.
        assertThat(CATALOGUE.find("gpt-4o-mini")).isNotEqualTo(CATALOGUE.find("gpt-4o"));
    }

    @Test
    void costIsExactIntegerArithmeticRoundedUpOncePerCall() {
        ModelPrice gpt4o = CATALOGUE.find("gpt-4o"); // in 2.50, cached 1.25, out 10.00
        // 1000 in ($0.0025) + 500 out ($0.005) = $0.0075 = 7500 micro-USD exactly
        assertThat(Pricing.cost(gpt4o, Usage.of(1000, 500))).isEqualTo(7_500);
        // cached tokens are part of the input: 600 plain * 2.5 + 400 cached * 1.25 = 1500 + 500 = 2000 micro
        assertThat(Pricing.cost(gpt4o, new Usage(1000, 0, 400, 0, 0))).isEqualTo(2_000);
        ModelPrice mini = CATALOGUE.find("gpt-4o-mini");
        // 1 input token costs 0.15 micro-USD: charged as 1 (rounded up once), never 0
        assertThat(Pricing.cost(mini, Usage.of(1, 0))).isEqualTo(1);
        // 7 in * 0.15 + 3 out * 0.6 = 1.05 + 1.8 = 2.85 -> 3 (one rounding for the sum, not one per part)
        assertThat(Pricing.cost(mini, Usage.of(7, 3))).isEqualTo(3);
        // Summing many calls of exactly representable cost never drifts.
        long total = 0;
        for (int i = 0; i < 1_000_000; i++) {
            total += Pricing.cost(gpt4o, Usage.of(1000, 500));
        }
        assertThat(total).isEqualTo(7_500_000_000L); // $7,500.000000 exactly
    }

    @Test
    void cacheWritesAndReasoningHaveTheirOwnRates() {
        ModelPrice p = new ModelPrice(3_000_000, 300_000, 3_750_000, 15_000_000, 20_000_000, 0, 0, 0);
        // input 10_000 = 6_000 plain + 1_000 read + 3_000 written; output 2_000 = 1_500 plain + 500 reasoning
        long expected = (6_000L * 3_000_000 + 1_000L * 300_000 + 3_000L * 3_750_000 + 1_500L * 15_000_000 + 500L * 20_000_000) / 1_000_000;
        assertThat(Pricing.cost(p, new Usage(10_000, 2_000, 1_000, 3_000, 500))).isEqualTo(expected).isEqualTo(62_050);
    }

    @Test
    void worstCaseUsesTheDearestRates() {
        ModelPrice p = new ModelPrice(1_000_000, 100_000, 1_250_000, 5_000_000, 5_000_000, 0, 64_000, 200_000);
        assertThat(Pricing.worstCase(p, 1_000, 2_000)).isEqualTo(1_000 * 1_250_000L / 1_000_000 + 2_000 * 5L);
        assertThat(Pricing.worstCase(p, 0, 0)).isZero();
    }

    @Test
    void hugeCountsFailLoudlyInsteadOfWrapping() {
        ModelPrice p = ModelPrice.of(Long.MAX_VALUE / 2, 0);
        assertThatThrownBy(() -> Pricing.cost(p, Usage.of(10, 0))).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void moneyParsesExactlyAndRefusesSubMicroPrecision() {
        assertThat(Micros.parse("2.50")).isEqualTo(2_500_000);
        assertThat(Micros.parse("0.000001")).isEqualTo(1);
        assertThat(Micros.parse("0.1")).isEqualTo(100_000); // 0.1 is not exact in binary; here it is
        assertThat(Micros.format(7_500)).isEqualTo("0.007500");
        assertThatThrownBy(() -> Micros.parse("0.0000001")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Micros.parse("-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Micros.parse("abc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void configOverrideReplacesTheCatalogueForThatPublicModel() {
        ModelPrice base = CATALOGUE.find("gpt-4o");
        ModelPrice merged = PricingSource.merge(base, new ModelConfig.PricingOverride(1_000_000L, null, null, null, null, null, 100, null));
        assertThat(merged.input()).isEqualTo(1_000_000);
        assertThat(merged.cachedInput()).isEqualTo(1_000_000); // follows the overridden input rate
        assertThat(merged.output()).isEqualTo(base.output());
        assertThat(merged.maxOutputTokens()).isEqualTo(100);
        Pricing pricing = new Pricing(CATALOGUE, Map.of("house-model", merged));
        assertThat(pricing.price("house-model", "gpt-4o")).isEqualTo(merged);
        // Other public names served by the same upstream model keep the catalogue price.
        assertThat(pricing.price("other", "gpt-4o-2024-08-06")).isEqualTo(base);
        // The answering (upstream) model decides, not the public name.
        assertThat(pricing.price("gpt-4o", "gpt-4o-mini")).isEqualTo(CATALOGUE.find("gpt-4o-mini"));
        assertThat(pricing.price("unknown-a", "unknown-b")).isEqualTo(ModelPrice.UNKNOWN);
    }

    @Test
    void tokenEstimates() {
        assertThat(TokenEstimate.typical(401)).isEqualTo(101);
        assertThat(TokenEstimate.atMost(5_000, 0)).isEqualTo(5_000);
        assertThat(TokenEstimate.atMost(5_000_000, 128_000)).isEqualTo(128_000);
    }
}
