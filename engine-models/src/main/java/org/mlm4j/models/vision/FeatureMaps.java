package org.mlm4j.models.vision;

/**
 * Layout changes between the token-major rows the linear layers use ({@code [y·side + x][C]}) and
 * the channel-major maps the convolution and pooling kernels use ({@code [C][y][x]}); the
 * projectors' {@code view(E, h, w)} of PyTorch and {@code permute} + {@code cont} of clip.cpp.
 */
final class FeatureMaps {
    private FeatureMaps() {
    }

    static float[] toChannelMajor(float[] tokens, int pixels, int channels) {
        float[] map = new float[pixels * channels];
        for (int p = 0; p < pixels; p++) {
            for (int c = 0; c < channels; c++) {
                map[c * pixels + p] = tokens[p * channels + c];
            }
        }
        return map;
    }

    static float[] toTokenMajor(float[] map, int pixels, int channels) {
        float[] tokens = new float[pixels * channels];
        for (int c = 0; c < channels; c++) {
            for (int p = 0; p < pixels; p++) {
                tokens[p * channels + c] = map[c * pixels + p];
            }
        }
        return tokens;
    }

    /** Side of the square grid of {@code tokens} tokens, or an error naming {@code who}. */
    static int side(int tokens, int required, String who) {
        int side = (int) Math.round(Math.sqrt(tokens));
        if (side * side != tokens || side != required) {
            throw new IllegalArgumentException(who + " needs a " + required + "x" + required + " patch grid (image 336, patch 14), got "
                    + tokens + " patches");
        }
        return side;
    }
}
