package dev.gatehouse.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.call.MediaUnits;
import dev.gatehouse.config.ModelConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MediaPricingTest {
    final PriceCatalogue catalogue = PriceCatalogue.shipped();

    @Test
    void imagesCostTheirVariantThenTheirSizeThenTheDefault() {
        ModelPrice dalle3 = catalogue.find("dall-e-3");
        assertThat(Pricing.mediaCost(dalle3, new MediaUnits(MediaUnits.Unit.IMAGE, 2, "1792x1024/hd"))).isEqualTo(240_000);
        assertThat(Pricing.mediaCost(dalle3, new MediaUnits(MediaUnits.Unit.IMAGE, 1, "1024x1024"))).isEqualTo(40_000);
        ModelPrice dalle2 = catalogue.find("dall-e-2");
        assertThat(Pricing.mediaCost(dalle2, new MediaUnits(MediaUnits.Unit.IMAGE, 3, "256x256/standard"))).isEqualTo(48_000);
    }

    @Test
    void audioIsBilledByTheSecondAndSpeechByTheCharacterRoundingUp() {
        ModelPrice whisper = catalogue.find("whisper-1");
        assertThat(Pricing.mediaCost(whisper, new MediaUnits(MediaUnits.Unit.AUDIO_SECOND, 61, null))).isEqualTo(6_100);
        assertThat(Pricing.mediaCost(whisper, new MediaUnits(MediaUnits.Unit.AUDIO_SECOND, 1, null))).isEqualTo(100);
        ModelPrice tts = catalogue.find("tts-1-hd");
        assertThat(Pricing.mediaCost(tts, new MediaUnits(MediaUnits.Unit.CHARACTER, 1, null))).isEqualTo(30); // $30 per 1M
        assertThat(Pricing.mediaCost(catalogue.find("tts-1"), new MediaUnits(MediaUnits.Unit.CHARACTER, 3, null))).isEqualTo(45);
    }

    @Test
    void aConfiguredImagePriceReplacesTheCatalogueVariantsAndAudioPricesCanBeOverridden() {
        ModelPrice merged = PricingSource.merge(catalogue.find("dall-e-3"),
                new ModelConfig.PricingOverride(null, null, null, null, null, 10_000L, null, null, null, null));
        assertThat(merged.images()).isEmpty();
        assertThat(merged.imagePrice("1024x1792/hd")).isEqualTo(10_000);
        ModelPrice audio = PricingSource.merge(catalogue.find("whisper-1"),
                new ModelConfig.PricingOverride(null, null, null, null, null, null, null, null, 1_200L, 5_000_000L));
        assertThat(audio.perAudioMinute()).isEqualTo(1_200);
        assertThat(audio.perMillionCharacters()).isEqualTo(5_000_000);
        assertThat(new ModelPrice(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of("512x512", 7L)).imagePrice("512x512/hd")).isEqualTo(7);
    }
}
