package org.mlm4j.models.vision.image;

import java.util.Arrays;

/**
 * Pillow's {@code Image.resize(size, Image.BICUBIC)} for 8-bit RGB, bit for bit
 * ({@code src/libImaging/Resample.c}: {@code precompute_coeffs}, {@code normalize_coeffs_8bpc},
 * the 8bpc horizontal and vertical passes, {@code ImagingResampleInner}; PYTORCH-PRESET.md step 3).
 * <ul>
 * <li>Bicubic kernel with a = −0.5 and support 2, widened by the scale factor when downscaling
 *     (antialiasing); taps normalised to sum 1 in double, then rounded to 22-bit fixed point.</li>
 * <li>Horizontal pass first, with the result rounded and clamped to uint8, then the vertical pass
 *     on that uint8 image; an axis whose size does not change is not resampled.</li>
 * <li>Each output byte is {@code clamp((2^21 + Σ u8·k) >> 22, 0, 255)}.</li>
 * </ul>
 */
final class PillowBicubicResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);
    private static final double BICUBIC_SUPPORT = 2.0;

    private PillowBicubicResize() {
    }

    /**
     * The taps of one axis: output i reads {@code count[i]} inputs from {@code first[i]}, with
     * fixed-point weights {@code weights[i·stride ..]}.
     */
    record Taps(int[] first, int[] count, int[] weights, int stride) {
        int end() {
            int last = first.length - 1;
            return first[last] + count[last];
        }
    }

    static RgbImage resize(RgbImage image, int outWidth, int outHeight) {
        if (outWidth <= 0 || outHeight <= 0) {
            throw new IllegalArgumentException("output size must be positive, got " + outWidth + "x" + outHeight);
        }
        boolean horizontal = outWidth != image.width();
        boolean vertical = outHeight != image.height();
        if (!horizontal && !vertical) {
            return new RgbImage(image.width(), image.height(), image.rgb().clone());
        }
        Taps rows = taps(image.height(), outHeight);
        RgbImage out = image;
        int firstRow = 0;
        if (horizontal) {
            // Pillow resamples horizontally only the input rows the vertical pass will read.
            firstRow = vertical ? rows.first()[0] : 0;
            int lastRow = vertical ? rows.end() : image.height();
            out = horizontalPass(image, firstRow, lastRow, taps(image.width(), outWidth));
        }
        if (vertical) {
            out = verticalPass(out, firstRow, rows);
        }
        return out;
    }

    /** Pillow's {@code bicubic_filter}, a = −0.5, in its operation order. */
    static double bicubic(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** {@code precompute_coeffs} followed by {@code normalize_coeffs_8bpc}, for the whole input range (no box). */
    static Taps taps(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = BICUBIC_SUPPORT * filterScale;
        int stride = (int) Math.ceil(support) * 2 + 1;
        double invFilterScale = 1.0 / filterScale;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * stride];
        double[] k = new double[stride];
        for (int i = 0; i < outSize; i++) {
            double center = (i + 0.5) * scale;
            int min = Math.max(0, (int) (center - support + 0.5));
            int n = Math.min(inSize, (int) (center + support + 0.5)) - min;
            double sum = 0.0;
            for (int j = 0; j < n; j++) {
                k[j] = bicubic((j + min - center + 0.5) * invFilterScale);
                sum += k[j];
            }
            for (int j = 0; j < n; j++) {
                double w = sum != 0.0 ? k[j] / sum : k[j];
                weights[i * stride + j] = toFixedPoint(w);
            }
            first[i] = min;
            count[i] = n;
        }
        return new Taps(first, count, weights, stride);
    }

    /** {@code normalize_coeffs_8bpc}: round half away from zero to PRECISION_BITS fraction bits. */
    private static int toFixedPoint(double w) {
        double scaled = w * (1 << PRECISION_BITS);
        return w < 0 ? (int) (-0.5 + scaled) : (int) (0.5 + scaled);
    }

    /** {@code clip8}: drop the fraction bits (arithmetic shift), clamp to a byte. */
    private static byte clip8(int acc) {
        return (byte) Math.clamp(acc >> PRECISION_BITS, 0, 255);
    }

    /** Resamples rows [firstRow, endRow) of {@code in} along x. */
    private static RgbImage horizontalPass(RgbImage in, int firstRow, int endRow, Taps cols) {
        int outWidth = cols.first().length;
        byte[] src = in.rgb();
        int inRow = 3 * in.width();
        int outRow = 3 * outWidth;
        byte[] dst = new byte[outRow * (endRow - firstRow)];
        for (int y = firstRow; y < endRow; y++) {
            int o = (y - firstRow) * outRow;
            // Padding rows repeat: an input row equal to the previous one gives the same output row.
            if (y > firstRow && Arrays.equals(src, y * inRow, (y + 1) * inRow, src, (y - 1) * inRow, y * inRow)) {
                System.arraycopy(dst, o - outRow, dst, o, outRow);
            } else {
                resampleRow(src, y * inRow, cols, dst, o);
            }
        }
        return new RgbImage(outWidth, endRow - firstRow, dst);
    }

    /** One row along x: a method of its own so the JIT compiles it after a few rows. */
    private static void resampleRow(byte[] src, int rowBase, Taps cols, byte[] dst, int o) {
        int[] first = cols.first();
        int[] count = cols.count();
        int[] weights = cols.weights();
        int stride = cols.stride();
        for (int x = 0; x < first.length; x++, o += 3) {
            int p = rowBase + 3 * first[x];
            int r = HALF;
            int g = HALF;
            int b = HALF;
            for (int k = x * stride, end = k + count[x]; k < end; k++, p += 3) {
                int w = weights[k];
                r += (src[p] & 0xFF) * w;
                g += (src[p + 1] & 0xFF) * w;
                b += (src[p + 2] & 0xFF) * w;
            }
            dst[o] = clip8(r);
            dst[o + 1] = clip8(g);
            dst[o + 2] = clip8(b);
        }
    }

    /** Resamples {@code in} along y; its row 0 is input row {@code rowOffset} of the taps. */
    private static RgbImage verticalPass(RgbImage in, int rowOffset, Taps rows) {
        int rowLength = 3 * in.width();
        int outHeight = rows.first().length;
        byte[] src = in.rgb();
        byte[] dst = new byte[rowLength * outHeight];
        int[] acc = new int[rowLength];
        for (int y = 0; y < outHeight; y++) {
            Arrays.fill(acc, HALF);
            int k = y * rows.stride();
            for (int j = 0, n = rows.count()[y]; j < n; j++) {
                int w = rows.weights()[k + j];
                int base = (rows.first()[y] - rowOffset + j) * rowLength;
                for (int i = 0; i < rowLength; i++) {
                    acc[i] += (src[base + i] & 0xFF) * w;
                }
            }
            int o = y * rowLength;
            for (int i = 0; i < rowLength; i++) {
                dst[o + i] = clip8(acc[i]);
            }
        }
        return new RgbImage(in.width(), outHeight, dst);
    }
}
