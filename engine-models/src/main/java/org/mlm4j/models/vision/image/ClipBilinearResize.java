package org.mlm4j.models.vision.image;

/**
 * The resize in llama.cpp c392e50's {@code clip_image_preprocess} (NUMERICS.md Part B §2.2):
 * 2-tap bilinear in float32, no antialiasing. Source position {@code s = (i + 0.5)·scale − 0.5},
 * {@code i0 = max(0, floor(s))}, {@code i1 = min(i0 + 1, n − 1)}, {@code d = s − i0} left
 * unclamped, so the first pixels of an upscale extrapolate linearly. Each value is rounded half
 * away from zero and clamped to 0..255. Every float op is in clip.cpp's order (no FMA), which
 * makes the output bit-exact with it.
 */
final class ClipBilinearResize {
    private ClipBilinearResize() {
    }

    /** Resizes a square image to {@code size}×{@code size}. */
    static RgbImage resize(RgbImage square, int size) {
        int n = square.width();
        if (square.height() != n) {
            throw new IllegalArgumentException("clip.cpp resizes square images only, got " + n + "x" + square.height());
        }
        float scale = n / (float) size;
        int[] lo = new int[size];
        int[] hi = new int[size];
        float[] frac = new float[size];
        for (int i = 0; i < size; i++) {
            float s = (i + 0.5f) * scale - 0.5f;
            lo[i] = Math.max(0, (int) Math.floor(s));
            hi[i] = Math.min(lo[i] + 1, n - 1);
            frac[i] = s - lo[i];
        }
        byte[] in = square.rgb();
        byte[] out = new byte[3 * size * size];
        int o = 0;
        for (int y = 0; y < size; y++) {
            int row0 = 3 * lo[y] * n;
            int row1 = 3 * hi[y] * n;
            float dy = frac[y];
            for (int x = 0; x < size; x++) {
                int col0 = 3 * lo[x];
                int col1 = 3 * hi[x];
                float dx = frac[x];
                for (int c = 0; c < 3; c++, o++) {
                    float v00 = in[row0 + col0 + c] & 0xFF;
                    float v01 = in[row0 + col1 + c] & 0xFF;
                    float v10 = in[row1 + col0 + c] & 0xFF;
                    float v11 = in[row1 + col1 + c] & 0xFF;
                    float v0 = v00 * (1.0f - dx) + v01 * dx;
                    float v1 = v10 * (1.0f - dx) + v11 * dx;
                    float v = v0 * (1.0f - dy) + v1 * dy;
                    out[o] = (byte) roundToByte(v);
                }
            }
        }
        return new RgbImage(size, size, out);
    }

    /** {@code clamp(std::round(v), 0, 255)}: for v ≥ 0 round-half-away-from-zero is floor(v + 0.5), and below 0 it clamps to 0 anyway. */
    private static int roundToByte(float v) {
        return v <= 0 ? 0 : Math.min(255, Math.round(v));
    }
}
