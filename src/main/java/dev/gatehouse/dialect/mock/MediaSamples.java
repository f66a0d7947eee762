package dev.gatehouse.dialect.mock;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Small, valid media files made from a seed, for the mock provider's answers and for tests: a PNG
 * filled with a colour derived from the seed, and a WAV tone whose pitch does the same. Written
 * out by hand (both formats are a few documented chunks) so the gateway needs no imaging or audio library.
 */
public final class MediaSamples {
    /** Sample rate of the generated WAV: enough for a tone, small on the wire. */
    public static final int WAV_RATE = 8000;

    private MediaSamples() {}

    /** A {@code size}×{@code size} RGB PNG, a vertical gradient of a colour chosen by {@code seed}. */
    public static byte[] png(long seed, int size) {
        int r = (int) (seed & 0xff);
        int g = (int) (seed >>> 8 & 0xff);
        int b = (int) (seed >>> 16 & 0xff);
        byte[] raw = new byte[size * (1 + 3 * size)];
        int i = 0;
        for (int y = 0; y < size; y++) {
            raw[i++] = 0; // filter: none
            int shade = y * 128 / Math.max(1, size - 1);
            for (int x = 0; x < size; x++) {
                raw[i++] = (byte) ((r + shade) & 0xff);
                raw[i++] = (byte) ((g + shade) & 0xff);
                raw[i++] = (byte) ((b + shade) & 0xff);
            }
        }
        Deflater deflater = new Deflater();
        deflater.setInput(raw);
        deflater.finish();
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        byte[] block = new byte[8192];
        while (!deflater.finished()) {
            zipped.write(block, 0, deflater.deflate(block));
        }
        deflater.end();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer header = ByteBuffer.allocate(13).putInt(size).putInt(size).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(png, "IHDR", header.array());
        chunk(png, "IDAT", zipped.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(name);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** A mono 16-bit PCM WAV of {@code millis} milliseconds: a sine tone whose pitch {@code seed} picks. */
    public static byte[] wav(long seed, long millis) {
        int samples = (int) (WAV_RATE * millis / 1000);
        double hz = 220 + Math.floorMod(seed, 440);
        ByteBuffer out = ByteBuffer.allocate(44 + samples * 2).order(ByteOrder.LITTLE_ENDIAN);
        out.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + samples * 2).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        out.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(WAV_RATE).putInt(WAV_RATE * 2).putShort((short) 2).putShort((short) 16);
        out.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(samples * 2);
        for (int i = 0; i < samples; i++) {
            out.putShort((short) (Math.sin(2 * Math.PI * hz * i / WAV_RATE) * 8000));
        }
        return out.array();
    }
}
