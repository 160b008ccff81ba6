package org.mlm4j.models.vision.image;

/**
 * Turns a decoded image into the vision encoder's input: pad to a square, resize to
 * {@code size}×{@code size}, map each byte to {@code (u8/255 − mean[c]) / std[c]}. The result is
 * float32 HWC {@code [size][size][3]} (RGB interleaved), the layout of the oracle's {@code *.pre.f32}.
 * The two halves are separate calls so the uint8 image in between can be checked and timed.
 * Immutable and thread-safe.
 */
public final class VisionPreprocessor {
    /** clip.cpp's pad colour, LLaVA's OpenAI mean ·255 hard-coded whatever the file's mean. */
    private static final int[] LLAMACPP_PAD = {122, 116, 104};

    private final VisionPreset preset;
    private final int size;
    private final int[] padColour;
    /** normalised[c][u8]: the value each byte becomes in channel c, computed once with the preset's float ops. */
    private final float[][] normalised;

    /** {@code mean} and {@code std} are the mmproj's {@code clip.vision.image_mean/std} (three floats each). */
    public VisionPreprocessor(VisionPreset preset, int size, float[] mean, float[] std) {
        if (size <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + size);
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("image mean and std need 3 values each, got " + mean.length + " and " + std.length);
        }
        this.preset = preset;
        this.size = size;
        this.padColour = preset == VisionPreset.LLAMACPP ? LLAMACPP_PAD.clone() : meanColour(mean);
        this.normalised = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int u8 = 0; u8 < 256; u8++) {
                normalised[c][u8] = (unit(u8) - mean[c]) / std[c];
            }
        }
    }

    public VisionPreset preset() {
        return preset;
    }

    public int size() {
        return size;
    }

    /** Steps 1 and 2: the padded, resized {@code size}×{@code size} uint8 image. */
    public RgbImage resize(RgbImage image) {
        RgbImage square = padToSquare(image);
        return switch (preset) {
            case PYTORCH -> PillowBicubicResize.resize(square, size, size);
            case LLAMACPP -> ClipBilinearResize.resize(square, size);
        };
    }

    /** Step 3: HWC float32 {@code [size][size][3]} from the output of {@link #resize}. */
    public float[] normalize(RgbImage resized) {
        if (resized.width() != size || resized.height() != size) {
            throw new IllegalArgumentException("expected a " + size + "x" + size + " image, got "
                    + resized.width() + "x" + resized.height());
        }
        byte[] rgb = resized.rgb();
        float[] out = new float[rgb.length];
        for (int i = 0; i < rgb.length; i += 3) {
            out[i] = normalised[0][rgb[i] & 0xFF];
            out[i + 1] = normalised[1][rgb[i + 1] & 0xFF];
            out[i + 2] = normalised[2][rgb[i + 2] & 0xFF];
        }
        return out;
    }

    /** {@code normalize(resize(image))}. */
    public float[] preprocess(RgbImage image) {
        return normalize(resize(image));
    }

    /**
     * pytorch: LLaVA/MobileVLM {@code expand2square}, image centred (offset = floor division of
     * the difference by 2); llamacpp: clip.cpp copies the image to the top-left corner.
     */
    RgbImage padToSquare(RgbImage image) {
        int w = image.width();
        int h = image.height();
        if (w == h) {
            return image;
        }
        return switch (preset) {
            case PYTORCH -> image.padToSquare(w < h ? (h - w) / 2 : 0, h < w ? (w - h) / 2 : 0, padColour);
            case LLAMACPP -> image.padToSquare(0, 0, padColour);
        };
    }

    /** expand2square's {@code tuple(int(m * 255) for m in image_mean)}: the float32 mean widened to double, truncated. */
    private static int[] meanColour(float[] mean) {
        int[] colour = new int[3];
        for (int c = 0; c < 3; c++) {
            colour[c] = Math.clamp((long) ((double) mean[c] * 255), 0, 255);
        }
        return colour;
    }

    /**
     * u8 scaled to [0, 1]. pytorch: transformers' {@code rescale} multiplies in float64 by 1/255 and
     * casts to float32; llamacpp: clip.cpp divides in float32.
     */
    private float unit(int u8) {
        return preset == VisionPreset.PYTORCH ? (float) (u8 * (1.0 / 255.0)) : (float) u8 / 255.0f;
    }
}
