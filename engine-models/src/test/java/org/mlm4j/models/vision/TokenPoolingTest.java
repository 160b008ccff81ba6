package org.mlm4j.models.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mlm4j.VisionEncoder;
import org.mlm4j.models.vision.image.VisionPreset;
import org.mlm4j.testing.TestData;

/** Token pooling against AdaptiveAvgPool2d's definition, divisible or not, and through the encoder (LLaVA's 16×16 MLP grid to 10×10). */
class TokenPoolingTest {

    /** PyTorch's adaptive_avg_pool2d bins, in float64: cell i covers [floor(i·in/out), ceil((i+1)·in/out)). */
    private static double[] naiveAdaptivePool(float[] tokens, int side, int width, int out) {
        double[] pooled = new double[out * out * width];
        for (int c = 0; c < width; c++) {
            for (int oy = 0; oy < out; oy++) {
                for (int ox = 0; ox < out; ox++) {
                    int ys = (int) Math.floor((double) oy * side / out);
                    int ye = (int) Math.ceil((double) (oy + 1) * side / out);
                    int xs = (int) Math.floor((double) ox * side / out);
                    int xe = (int) Math.ceil((double) (ox + 1) * side / out);
                    double sum = 0;
                    for (int y = ys; y < ye; y++) {
                        for (int x = xs; x < xe; x++) {
                            sum += tokens[(y * side + x) * width + c];
                        }
                    }
                    pooled[(oy * out + ox) * width + c] = sum / ((ye - ys) * (xe - xs));
                }
            }
        }
        return pooled;
    }

    @Test
    void matchesAdaptiveAveragePoolingForDivisibleAndOtherSizes() {
        SplittableRandom random = new SplittableRandom(1);
        int[][] cases = {{12, 8}, {12, 6}, {12, 5}, {12, 7}, {12, 11}, {12, 12}, {12, 1}, {24, 7}, {16, 10}, {3, 2}};
        for (int[] sideAndOut : cases) {
            int side = sideAndOut[0];
            int out = sideAndOut[1];
            int width = 5;
            float[] tokens = new float[side * side * width];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = (float) random.nextDouble(-3, 3);
            }
            float[] pooled = TokenPooling.pool(tokens, width, out);
            double[] expected = naiveAdaptivePool(tokens, side, width, out);
            assertThat(pooled).hasSize(expected.length);
            for (int i = 0; i < pooled.length; i++) {
                assertThat((double) pooled[i]).as("%d -> %d, value %d", side, out, i)
                        .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5));
            }
            if (out == side) {
                assertThat(pooled).containsExactly(tokens);
            }
        }
    }

    @Test
    void refusesGridsThatAreNotSquaresOrWouldGrow() {
        assertThatThrownBy(() -> TokenPooling.side(50)).hasMessageContaining("not a square");
        assertThatThrownBy(() -> TokenPooling.pool(new float[144 * 2], 2, 13)).hasMessageContaining("13x13");
        assertThatThrownBy(() -> TokenPooling.pool(new float[140 * 2], 2, 6)).hasMessageContaining("not a square");
        assertThatThrownBy(() -> new VisionEncoder.Options(VisionPreset.LLAMACPP).withImageTokens(50))
                .hasMessageContaining("not a square");
    }

    @Test
    void encoderWithImageTokensPoolsTheProjectedGrid() throws Exception {
        var path = TestData.path("oracle/vision/models/mmproj-mlp-f32.gguf");
        VisionEncoder.Options options = new VisionEncoder.Options(VisionPreset.LLAMACPP);
        try (VisionEncoder full = VisionEncoder.load(path, options);
             VisionEncoder pooled = VisionEncoder.load(path, options.withImageTokens(100))) {
            assertThat(pooled.tokens()).isEqualTo(100);
            float[] hwc = new float[full.imageSize() * full.imageSize() * 3];
            SplittableRandom random = new SplittableRandom(2);
            for (int i = 0; i < hwc.length; i++) {
                hwc[i] = (float) random.nextDouble(-2, 2);
            }
            float[] projected = flat(full.encodePreprocessed(hwc));
            assertThat(projected).hasSize(256 * full.embeddingLength());
            float[] expected = TokenPooling.pool(projected, full.embeddingLength(), 10);
            float[] actual = flat(pooled.encodePreprocessed(hwc));
            assertThat(actual).hasSize(expected.length);
            for (int i = 0; i < actual.length; i++) {
                // the encoder's own run-to-run rounding (thread partitioning), not the pooling
                assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
        assertThatThrownBy(() -> VisionEncoder.load(path, options.withImageTokens(289)))
                .hasMessageContaining("only 256");
    }

    private static float[] flat(float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int t = 0; t < rows.length; t++) {
            System.arraycopy(rows[t], 0, flat, t * rows[t].length, rows[t].length);
        }
        return flat;
    }
}
