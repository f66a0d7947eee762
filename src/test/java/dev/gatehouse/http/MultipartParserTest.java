package dev.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.call.GatewayException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultipartParserTest {
    record Part(String name, String filename, String type, byte[] content) {}

    static final class Collect implements MultipartParser.Parts {
        final List<Part> parts = new ArrayList<>();
        String name;
        String filename;
        String type;
        ByteArrayOutputStream content;

        @Override
        public void start(String name, String filename, String contentType) {
            this.name = name;
            this.filename = filename;
            this.type = contentType;
            content = new ByteArrayOutputStream();
        }

        @Override
        public void content(byte[] bytes, int offset, int length) {
            content.write(bytes, offset, length);
        }

        @Override
        public void end() {
            parts.add(new Part(name, filename, type, content.toByteArray()));
        }
    }

    /** A file whose content nearly contains the delimiter, in every way a split chunk could confuse. */
    static final byte[] TRICKY = "\r\n--b0und\r\n--b0unDx\r\r\n-\r\n--".getBytes(StandardCharsets.ISO_8859_1);

    static byte[] body() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--b0undary\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
                + "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".wav\"\r\n"
                + "Content-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(TRICKY);
        out.writeBytes("\r\n--b0undary  \r\nContent-Disposition: form-data; name=empty\r\n\r\n\r\n--b0undary--\r\nepilogue"
                .getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    @Test
    void partsAreFoundWhereverTheChunksAreCut() {
        byte[] body = body();
        for (int size = 1; size <= body.length; size++) {
            Collect collect = new Collect();
            MultipartParser parser = new MultipartParser("b0undary", collect);
            for (int i = 0; i < body.length; i += size) {
                parser.feed(Arrays.copyOfRange(body, i, Math.min(body.length, i + size)));
            }
            parser.finish();
            assertThat(collect.parts).as("chunks of %d bytes", size).hasSize(3);
            assertThat(new String(collect.parts.get(0).content())).isEqualTo("whisper-1");
            Part file = collect.parts.get(1);
            assertThat(file.name()).isEqualTo("file");
            assertThat(file.filename()).isEqualTo("a \"b\".wav");
            assertThat(file.type()).isEqualTo("audio/wav");
            assertThat(file.content()).isEqualTo(TRICKY);
            assertThat(collect.parts.get(2).name()).isEqualTo("empty");
            assertThat(collect.parts.get(2).content()).isEmpty();
        }
    }

    @Test
    void aBodyCutBeforeItsClosingBoundaryIsMalformed() {
        byte[] body = body();
        MultipartParser parser = new MultipartParser("b0undary", new Collect());
        parser.feed(Arrays.copyOf(body, body.length / 2));
        assertThatThrownBy(parser::finish).isInstanceOf(GatewayException.class).hasMessageContaining("closing boundary");
    }

    @Test
    void headersWithoutANameOrTooLongAreRefused() {
        MultipartParser noName = new MultipartParser("b", new Collect());
        assertThatThrownBy(() -> noName.feed("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--".getBytes()))
                .isInstanceOf(GatewayException.class).hasMessageContaining("no Content-Disposition name");
        MultipartParser endless = new MultipartParser("b", new Collect());
        byte[] header = ("--b\r\nX-Long: " + "a".repeat(MultipartParser.MAX_HEADER_BYTES + 10)).getBytes();
        assertThatThrownBy(() -> endless.feed(header)).isInstanceOf(GatewayException.class).hasMessageContaining("headers are longer");
    }

    @Test
    void theBoundaryIsReadQuotedOrNot() {
        assertThat(MultipartParser.boundary("multipart/form-data; boundary=abc")).isEqualTo("abc");
        assertThat(MultipartParser.boundary("multipart/form-data; charset=utf-8; boundary=\"a b\"")).isEqualTo("a b");
        assertThat(MultipartParser.boundary("multipart/form-data")).isNull();
    }
}
