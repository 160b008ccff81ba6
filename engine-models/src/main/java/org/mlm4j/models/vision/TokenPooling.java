package org.mlm4j.models.vision;

/**
 * Visual-token reduction by average pooling (as MobileVLM's LDPv2 pools 24×24 to 12×12, one step
 * further): the projector's square token grid, token-major {@code [y·side + x][width]}, becomes a
 * {@code out × out} grid. The bins are PyTorch's {@code AdaptiveAvgPool2d}: output cell i of a side
 * covers input cells {@code floor(i·side/out) .. ceil((i+1)·side/out) − 1}, so sizes that do not
 * divide (12 → 5) work, with overlapping bins. 144 → 64 or 36 tokens shortens the LM prompt by 80
 * or 108 rows.
 */
public final class TokenPooling {
    private TokenPooling() {
    }

    /**
     * Pools {@code tokens [side·side][width]} to {@code [out·out][width]}.
     *
     * @throws IllegalArgumentException unless the tokens form a square grid of at least {@code out}
     *                                  per side
     */
    public static float[] pool(float[] tokens, int width, int out) {
        int side = side(tokens.length / width);
        if (tokens.length != side * side * width || out < 1 || out > side) {
            throw new IllegalArgumentException("cannot pool " + tokens.length / width + " image tokens of width "
                    + width + " to " + out + "x" + out);
        }
        float[] pooled = new float[out * out * width];
        for (int oy = 0; oy < out; oy++) {
            int y0 = oy * side / out;
            int y1 = ceilDiv((oy + 1) * side, out);
            for (int ox = 0; ox < out; ox++) {
                int x0 = ox * side / out;
                int x1 = ceilDiv((ox + 1) * side, out);
                int dst = (oy * out + ox) * width;
                for (int y = y0; y < y1; y++) {
                    for (int x = x0; x < x1; x++) {
                        int src = (y * side + x) * width;
                        for (int c = 0; c < width; c++) {
                            pooled[dst + c] += tokens[src + c];
                        }
                    }
                }
                int count = (y1 - y0) * (x1 - x0);
                for (int c = 0; c < width; c++) {
                    pooled[dst + c] /= count;
                }
            }
        }
        return pooled;
    }

    /**
     * The side of a square grid of {@code tokens} tokens.
     *
     * @throws IllegalArgumentException when {@code tokens} is not a square
     */
    public static int side(int tokens) {
        int side = (int) Math.round(Math.sqrt(tokens));
        if (tokens < 1 || side * side != tokens) {
            throw new IllegalArgumentException(tokens + " image tokens are not a square grid (e.g. 36, 64, 144)");
        }
        return side;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
