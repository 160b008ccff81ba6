package org.mlm4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The scalar ops against independent straightforward formulas (double precision, closed forms). */
class ScalarOpsKernelsTest {
    private static final float FLOAT_TOLERANCE = 2e-6f;
    private final OpsKernels ops = KernelProvider.scalar().ops();
    private final Random random = new Random(42);

    private float[] randoms(int n, float range) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (random.nextFloat() * 2 - 1) * range;
        }
        return x;
    }

    @Test
    void rmsNormMatchesDoubleFormula() {
        int n = 37;
        float[] x = randoms(2 * n, 3);
        float[] w = randoms(n, 1);
        float[] y = new float[2 * n];
        ops.rmsNorm(x, 0, y, 0, n, 2, w, 1e-5f);
        for (int r = 0; r < 2; r++) {
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += (double) x[r * n + i] * x[r * n + i];
            }
            double s = 1 / Math.sqrt(ss / n + 1e-5);
            for (int i = 0; i < n; i++) {
                assertThat((double) y[r * n + i]).isCloseTo(x[r * n + i] * s * w[i], within(1e-5));
            }
        }
    }

    @Test
    void layerNormAndChannelLayerNormMatchDoubleFormula() {
        int channels = 13;
        int pixels = 5;
        float[] x = randoms(channels * pixels, 4);
        float[] w = randoms(channels, 1);
        float[] b = randoms(channels, 1);
        float[] y = new float[x.length];
        ops.channelLayerNorm(x, 0, y, 0, channels, pixels, w, b, 1e-5f);
        float[] column = new float[channels];
        float[] normed = new float[channels];
        for (int p = 0; p < pixels; p++) {
            double mean = 0;
            for (int c = 0; c < channels; c++) {
                column[c] = x[c * pixels + p];
                mean += column[c];
            }
            mean /= channels;
            double var = 0;
            for (int c = 0; c < channels; c++) {
                var += (column[c] - mean) * (column[c] - mean);
            }
            var /= channels;
            ops.layerNorm(column, 0, normed, 0, channels, 1, w, b, 1e-5f);
            for (int c = 0; c < channels; c++) {
                double expected = (column[c] - mean) / Math.sqrt(var + 1e-5) * w[c] + b[c];
                assertThat((double) y[c * pixels + p]).isCloseTo(expected, within(1e-5));
                assertThat(normed[c]).isEqualTo(y[c * pixels + p]);
            }
        }
    }

    @Test
    void softmaxMatchesDoubleFormulaWithScaleMaskAndCausalOffset() {
        int n = 9;
        float[] x = randoms(3 * n, 5);
        float[] causal = x.clone();
        float[] mask = new float[3 * n];
        for (int r = 0; r < 3; r++) {
            for (int i = 2 + r + 1; i < n; i++) {
                mask[r * n + i] = Float.NEGATIVE_INFINITY;
            }
        }
        float[] masked = x.clone();
        ops.softmax(masked, 0, n, 3, 0.7f, mask, 0);
        ops.softmaxCausal(causal, 0, n, 3, 0.7f, 2);
        for (int r = 0; r < 3; r++) {
            int visible = 2 + r + 1;
            double sum = 0;
            for (int i = 0; i < visible; i++) {
                sum += Math.exp(0.7 * x[r * n + i]);
            }
            for (int i = 0; i < n; i++) {
                double expected = i < visible ? Math.exp(0.7 * x[r * n + i]) / sum : 0;
                assertThat((double) masked[r * n + i]).isCloseTo(expected, within(1e-6));
                assertThat((double) causal[r * n + i]).isCloseTo(expected, within(1e-6));
            }
        }
    }

    @Test
    void geluTableIsTheRoundedTanhGeluAndCutsOffAtTen() {
        float[] x = {-12f, -10f, -3.3f, -0.5f, 0f, 1e-3f, 0.7f, 2.5f, 9.99f, 10f, 15f};
        float[] y = new float[x.length];
        ops.gelu(x, 0, y, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            float expected;
            if (x[i] <= -10) {
                expected = 0;
            } else if (x[i] >= 10) {
                expected = x[i];
            } else {
                double h = Float.float16ToFloat(Float.floatToFloat16(x[i]));
                double g = 0.5 * h * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (h + 0.044715 * h * h * h)));
                expected = Float.float16ToFloat(Float.floatToFloat16((float) g));
            }
            assertThat(y[i]).as("gelu(%s)", x[i]).isCloseTo(expected, within(Math.ulp(expected) * 1.01f));
        }
    }

    @Test
    void geluVariantsMatchClosedForms() {
        float[] x = randoms(513, 6);
        float[] tanh = new float[x.length];
        float[] erf = new float[x.length];
        float[] quick = new float[x.length];
        float[] quickTable = new float[x.length];
        ops.geluTanh(x, 0, tanh, 0, x.length);
        ops.geluErf(x, 0, erf, 0, x.length);
        ops.quickGeluExact(x, 0, quick, 0, x.length);
        ops.quickGelu(x, 0, quickTable, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            double g = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            assertThat((double) tanh[i]).isCloseTo(g, within(2e-6 * Math.max(1, Math.abs(g))));
            double ge = 0.5 * v * (1 + erfBySeries(v / Math.sqrt(2)));
            assertThat((double) erf[i]).isCloseTo(ge, within(1e-6 * Math.max(1e-3, Math.abs(ge))));
            double q = v / (1 + Math.exp(-1.702 * v));
            assertThat((double) quick[i]).isCloseTo(q, within(2e-6 * Math.max(1, Math.abs(q))));
            double h = Float.float16ToFloat(Float.floatToFloat16(x[i]));
            float qt = Float.float16ToFloat(Float.floatToFloat16((float) (h / (1 + Math.exp(-1.702 * h)))));
            assertThat(quickTable[i]).isCloseTo(qt, within(Math.ulp(qt) * 1.01f));
        }
    }

    /** erf by its Taylor series, summed in double (accurate to ~1e-14 for |z| ≤ 5). */
    private static double erfBySeries(double z) {
        double term = z;
        double sum = z;
        for (int n = 1; n < 200; n++) {
            term *= -z * z / n;
            sum += term / (2 * n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @Test
    void siluSwigluHardActivationsAndArithmetic() {
        float[] x = randoms(64, 8);
        float[] u = randoms(64, 2);
        float[] y = new float[64];
        ops.silu(x, 0, y, 0, 64);
        for (int i = 0; i < 64; i++) {
            assertThat((double) y[i]).isCloseTo(x[i] / (1 + Math.exp(-x[i])), within(4e-6));
        }
        ops.swiglu(x, 0, u, 0, y, 0, 64);
        for (int i = 0; i < 64; i++) {
            assertThat((double) y[i]).isCloseTo(x[i] / (1 + Math.exp(-x[i])) * u[i], within(1e-5));
        }
        ops.hardswish(x, 0, y, 0, 64);
        for (int i = 0; i < 64; i++) {
            double hs = x[i] <= -3 ? 0 : x[i] >= 3 ? x[i] : x[i] * (x[i] + 3) / 6;
            assertThat((double) y[i]).isCloseTo(hs, within(1e-6));
        }
        ops.relu(x, 0, y, 0, 64);
        for (int i = 0; i < 64; i++) {
            assertThat(y[i]).isEqualTo(x[i] > 0 ? x[i] : 0f);
        }
        float[] rows = randoms(3 * 5, 1);
        float[] copy = rows.clone();
        ops.addRows(rows, 0, 5, 3, u, 7);
        for (int i = 0; i < 15; i++) {
            assertThat(rows[i]).isEqualTo(copy[i] + u[7 + i % 5]);
        }
    }

    @Test
    void ropeMatchesClosedFormWithPowInBothLayoutsAndPartialRotary() {
        int headDim = 10;
        int nHeads = 2;
        for (Rope.Mode mode : Rope.Mode.values()) {
            Rope rope = new Rope(mode, headDim, 6, 10000f, 0.5f);
            int stride = nHeads * headDim + 3;
            float[] x = randoms(4 * stride, 2);
            float[] y = x.clone();
            ops.rope(rope, y, 0, stride, 4, nHeads, 100);
            for (int t = 0; t < 4; t++) {
                int pos = 100 + t;
                for (int h = 0; h < nHeads; h++) {
                    int o = t * stride + h * headDim;
                    for (int i = 0; i < 3; i++) {
                        double angle = 0.5 * pos * Math.pow(10000, -2.0 * i / 6);
                        int a = mode == Rope.Mode.NORMAL ? o + 2 * i : o + i;
                        int b = mode == Rope.Mode.NORMAL ? a + 1 : a + 3;
                        double e0 = x[a] * Math.cos(angle) - x[b] * Math.sin(angle);
                        double e1 = x[a] * Math.sin(angle) + x[b] * Math.cos(angle);
                        assertThat((double) y[a]).isCloseTo(e0, within(1e-4));
                        assertThat((double) y[b]).isCloseTo(e1, within(1e-4));
                    }
                    for (int d = 6; d < headDim; d++) {
                        assertThat(y[o + d]).isEqualTo(x[o + d]);
                    }
                }
                for (int d = nHeads * headDim; d < stride; d++) {
                    assertThat(y[t * stride + d]).isEqualTo(x[t * stride + d]);
                }
            }
        }
    }

    @Test
    void convolutionsAndPoolingMatchDirectSums() {
        int c = 3;
        int h = 5;
        int w = 7;
        float[] x = randoms(c * h * w, 2);
        float[] kernel = randoms(c * 9, 1);
        float[] bias = randoms(c, 1);
        for (int stride = 1; stride <= 2; stride++) {
            int oh = (h - 1) / stride + 1;
            int ow = (w - 1) / stride + 1;
            float[] y = new float[c * oh * ow];
            ops.depthwiseConv3x3(x, 0, c, h, w, stride, kernel, bias, false, y, 0);
            for (int ch = 0; ch < c; ch++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double sum = bias[ch];
                        for (int ky = -1; ky <= 1; ky++) {
                            for (int kx = -1; kx <= 1; kx++) {
                                int iy = oy * stride + ky;
                                int ix = ox * stride + kx;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                    sum += (double) x[(ch * h + iy) * w + ix] * kernel[ch * 9 + (ky + 1) * 3 + kx + 1];
                                }
                            }
                        }
                        assertThat((double) y[(ch * oh + oy) * ow + ox]).isCloseTo(sum, within(1e-5));
                    }
                }
            }
        }
        float[] pooled = new float[c * 2 * 3];
        ops.avgPool2x2(x, 0, c, h, w, pooled, 0);
        assertThat(pooled[1 * 6 + 1 * 3 + 2]).isCloseTo(
                (x[(h + 2) * w + 4] + x[(h + 2) * w + 5] + x[(h + 3) * w + 4] + x[(h + 3) * w + 5]) / 4, within(1e-6f));
    }

    @Test
    void im2colOrdersPatchesRowMajorAndValuesByChannelThenKernelRow() {
        int c = 2;
        int size = 4;
        int patch = 2;
        float[] image = new float[c * size * size];
        for (int i = 0; i < image.length; i++) {
            image[i] = i;
        }
        float[] cols = new float[4 * c * patch * patch];
        ops.im2colPatches(image, 0, c, size, size, patch, false, cols, 0);
        // token 1 = (py 0, px 1): channel 0 rows 0-1 cols 2-3, then channel 1
        assertThat(java.util.Arrays.copyOfRange(cols, 8, 16)).containsExactly(2, 3, 6, 7, 18, 19, 22, 23);
        // token 2 = (py 1, px 0)
        assertThat(cols[16]).isEqualTo(8);
    }

    @Test
    void causalConv1dCarriesStateAcrossCalls() {
        int channels = 3;
        int k = 4;
        float[] x = randoms(5 * channels, 1);
        float[] weight = randoms(channels * k, 1);
        float[] bias = randoms(channels, 1);
        float[] state = new float[channels * (k - 1)];
        float[] whole = new float[x.length];
        ops.causalConv1d(x, 0, 5, channels, state, 0, weight, 0, k, bias, whole, 0);
        float[] split = new float[x.length];
        float[] state2 = new float[channels * (k - 1)];
        ops.causalConv1d(x, 0, 2, channels, state2, 0, weight, 0, k, bias, split, 0);
        ops.causalConv1d(x, 2 * channels, 3, channels, state2, 0, weight, 0, k, bias, split, 2 * channels);
        assertThat(split).containsExactly(whole);
        assertThat(state2).containsExactly(state);
        for (int t = 0; t < 5; t++) {
            for (int c = 0; c < channels; c++) {
                double sum = bias[c];
                for (int i = 0; i < k; i++) {
                    int src = t - (k - 1) + i;
                    sum += src < 0 ? 0 : (double) x[src * channels + c] * weight[c * k + i];
                }
                assertThat((double) whole[t * channels + c]).isCloseTo(sum, within(1e-5));
            }
        }
        assertThat(state[2 * (k - 1) + 2]).isEqualTo(x[4 * channels + 2]);
    }

    @Test
    void halfAndBrainFloatConversionsRoundToNearestEven() {
        float[] x = {1f, 1f + 0x1p-11f, 1f + 0x1p-11f + 0x1p-12f, 65504f, 1e-8f, -2.5f, Float.NaN};
        short[] h = new short[x.length];
        float[] back = new float[x.length];
        ops.toF16(x, 0, h, 0, x.length);
        ops.fromF16(h, 0, back, 0, x.length);
        assertThat(back[1]).isEqualTo(1f);
        assertThat(back[2]).isEqualTo(1f + 0x1p-10f);
        assertThat(back[3]).isEqualTo(65504f);
        assertThat(back[5]).isEqualTo(-2.5f);
        assertThat(back[6]).isNaN();
        float[] b = {1f + 0x1p-8f, 1f + 0x1p-8f + 0x1p-9f, -3f, Float.NaN};
        short[] bf = new short[b.length];
        ops.toBF16(b, 0, bf, 0, b.length);
        ops.fromBF16(bf, 0, back, 0, b.length);
        assertThat(back[0]).isEqualTo(1f);
        assertThat(back[1]).isEqualTo(1f + 0x1p-7f);
        assertThat(back[2]).isEqualTo(-3f);
        assertThat(back[3]).isNaN();
        float[] rounded = new float[1];
        ops.roundToF16(x, 2, rounded, 0, 1);
        assertThat(rounded[0]).isEqualTo(1f + 0x1p-10f);
    }
}
