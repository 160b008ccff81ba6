package org.mlm4j.models.vision.image;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * An independent PNG decoder for the tests (8-bit, non-interlaced, gray / gray+alpha / RGB / RGBA),
 * written from the PNG specification: concatenated IDAT → zlib inflate → per-row unfiltering.
 * It yields what stb_image gives with 3 channels requested: gray replicated, alpha dropped.
 */
final class ReferencePngDecoder {
    private ReferencePngDecoder() {
    }

    static RgbImage decode(byte[] png) throws DataFormatException {
        ByteBuffer in = ByteBuffer.wrap(png);
        in.position(8);
        int width = 0;
        int height = 0;
        int colourType = -1;
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        while (in.remaining() >= 12) {
            int length = in.getInt();
            int type = in.getInt();
            byte[] data = new byte[length];
            in.get(data);
            in.getInt(); // CRC
            ByteBuffer chunk = ByteBuffer.wrap(data);
            if (type == 0x49484452) { // IHDR
                width = chunk.getInt();
                height = chunk.getInt();
                int bitDepth = chunk.get();
                colourType = chunk.get();
                chunk.get(); // compression
                chunk.get(); // filter method
                int interlace = chunk.get();
                if (bitDepth != 8 || interlace != 0) {
                    throw new IllegalArgumentException("reference decoder handles 8-bit non-interlaced PNGs only");
                }
            } else if (type == 0x49444154) { // IDAT
                idat.write(data, 0, data.length);
            }
        }
        int channels = switch (colourType) {
            case 0 -> 1;
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> throw new IllegalArgumentException("colour type " + colourType);
        };
        int rowBytes = width * channels;
        byte[] raw = new byte[(rowBytes + 1) * height];
        Inflater inflater = new Inflater();
        inflater.setInput(idat.toByteArray());
        int n = 0;
        while (n < raw.length && !inflater.finished()) {
            n += inflater.inflate(raw, n, raw.length - n);
        }
        inflater.end();
        byte[] pixels = new byte[rowBytes * height];
        for (int y = 0; y < height; y++) {
            int filter = raw[y * (rowBytes + 1)];
            for (int i = 0; i < rowBytes; i++) {
                int x = raw[y * (rowBytes + 1) + 1 + i] & 0xFF;
                int left = i >= channels ? pixels[y * rowBytes + i - channels] & 0xFF : 0;
                int up = y > 0 ? pixels[(y - 1) * rowBytes + i] & 0xFF : 0;
                int upLeft = y > 0 && i >= channels ? pixels[(y - 1) * rowBytes + i - channels] & 0xFF : 0;
                int predictor = switch (filter) {
                    case 0 -> 0;
                    case 1 -> left;
                    case 2 -> up;
                    case 3 -> (left + up) >>> 1;
                    case 4 -> paeth(left, up, upLeft);
                    default -> throw new IllegalArgumentException("filter " + filter);
                };
                pixels[y * rowBytes + i] = (byte) (x + predictor);
            }
        }
        byte[] rgb = new byte[3 * width * height];
        for (int p = 0; p < width * height; p++) {
            for (int c = 0; c < 3; c++) {
                rgb[3 * p + c] = pixels[p * channels + (channels < 3 ? 0 : c)];
            }
        }
        return new RgbImage(width, height, rgb);
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a);
        int pb = Math.abs(p - b);
        int pc = Math.abs(p - c);
        if (pa <= pb && pa <= pc) {
            return a;
        }
        return pb <= pc ? b : c;
    }
}
