package dev.gatehouse.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextExtractorTest {
    @TempDir
    Path dir;

    @Test
    void htmlIsReadAsItsVisibleTextWhateverTheName() throws Exception {
        Path file = dir.resolve("page.txt");
        Files.writeString(file, "<!DOCTYPE html><html><head><style>p{color:red}</style><script>var secret = 1;</script></head>"
                + "<body><h1>Otters</h1><p>Otters &amp; beavers build dams.</p></body></html>");
        assertThat(TextExtractor.detect(file)).isEqualTo("html");
        String text = TextExtractor.extract(file).getFirst().text();
        assertThat(text).contains("Otters & beavers build dams.").doesNotContain("secret").doesNotContain("color");
    }

    @Test
    void utf8TextMarkdownCsvAndJsonAreText() throws Exception {
        for (String content : new String[] {"# Title\n\nSome *markdown*.", "a,b\n1,2\n", "{\"k\": \"v\"}", "Grüße"}) {
            Path file = dir.resolve("f" + content.hashCode());
            Files.writeString(file, content);
            assertThat(TextExtractor.detect(file)).isEqualTo("text");
            assertThat(TextExtractor.extract(file).getFirst().text()).isEqualTo(content);
        }
    }

    @Test
    void binariesAndEmptyFilesAreUnsupported() throws Exception {
        Path binary = dir.resolve("x.pdf");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0xc3});
        assertThatThrownBy(() -> TextExtractor.extract(binary)).isInstanceOf(TextExtractor.UnsupportedFile.class);
        Path blank = dir.resolve("blank.txt");
        Files.writeString(blank, "   \n ");
        assertThatThrownBy(() -> TextExtractor.extract(blank)).isInstanceOf(TextExtractor.UnsupportedFile.class)
                .hasMessageContaining("no text");
        Path brokenPdf = dir.resolve("broken.txt");
        Files.write(brokenPdf, "%PDF-1.7 this is not really a pdf".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> TextExtractor.extract(brokenPdf)).isInstanceOf(TextExtractor.UnsupportedFile.class)
                .hasMessageContaining("PDF");
    }
}
