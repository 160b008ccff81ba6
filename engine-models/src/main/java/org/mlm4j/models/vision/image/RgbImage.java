package org.mlm4j.models.vision.image;

/**
 * An 8-bit RGB image: {@code rgb} holds {@code height} rows of {@code width} pixels, each pixel
 * three bytes R, G, B (row-major, interleaved, unsigned).
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb.length != 3L * width * height) {
            throw new IllegalArgumentException(
                    "a " + width + "x" + height + " RGB image needs " + 3L * width * height + " bytes, got " + rgb.length);
        }
    }

    /** A {@code width}×{@code height} image filled with one colour. */
    public static RgbImage filled(int width, int height, int r, int g, int b) {
        byte[] rgb = new byte[Math.multiplyExact(3, Math.multiplyExact(width, height))];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) r;
            rgb[i + 1] = (byte) g;
            rgb[i + 2] = (byte) b;
        }
        return new RgbImage(width, height, rgb);
    }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel (x, y), 0..255. */
    public int sample(int x, int y, int c) {
        return rgb[3 * (y * width + x) + c] & 0xFF;
    }

    /** A copy of this image on a square canvas of side max(width, height) filled with {@code fill}, placed at (left, top). */
    public RgbImage padToSquare(int left, int top, int[] fill) {
        int side = Math.max(width, height);
        if (left < 0 || top < 0 || left + width > side || top + height > side) {
            throw new IllegalArgumentException("a " + width + "x" + height + " image does not fit a " + side
                    + " square at (" + left + ", " + top + ")");
        }
        RgbImage canvas = filled(side, side, fill[0], fill[1], fill[2]);
        for (int y = 0; y < height; y++) {
            System.arraycopy(rgb, 3 * y * width, canvas.rgb, 3 * ((top + y) * side + left), 3 * width);
        }
        return canvas;
    }
}
