package org.mlm4j.kernels;

import org.mlm4j.tensor.HalfFloats;

/**
 * Scalar ops: plain loops that define what every SIMD op computes. The Vector API ops extend this
 * class and override what they vectorise; the rest (table lookups, small convolutions) stay scalar.
 */
public class ScalarOpsKernels implements OpsKernels {
    /** Below this many floats of work an op runs on the calling thread: a pool hand-off costs more. */
    private static final long PARALLEL_MIN_FLOATS = 1 << 16;
    /** Floats per chunk of a split op: a few L2-sized pieces per thread. */
    private static final long CHUNK_FLOATS = 16 << 10;
    /** Chunks start at multiples of this many elements (whole vectors at every width). */
    private static final int CHUNK_MULTIPLE = 64;

    /**
     * Runs {@code body} over {@code [0, n)} units of {@code floatsPerUnit} floats each (rows, or
     * single elements) on {@link Parallel}'s pool when the op is large, else on the calling thread.
     * Only for ops whose every row or element is computed independently of the others, so the
     * results are the same bits whatever the split.
     */
    protected static void split(int n, int floatsPerUnit, Parallel.IntRangeBody body) {
        long floats = (long) n * floatsPerUnit;
        if (floats < PARALLEL_MIN_FLOATS || Parallel.threads() == 1) {
            body.run(0, n);
            return;
        }
        int multiple = floatsPerUnit == 1 ? CHUNK_MULTIPLE : 1;
        Parallel.forRange(n, Parallel.grain(n, floatsPerUnit, CHUNK_FLOATS, multiple), body);
    }

    @Override
    public void rmsNorm(float[] x, int xOffset, float[] y, int yOffset, int n, int rows, float[] weight, float eps) {
        for (int r = 0; r < rows; r++) {
            int xo = xOffset + r * n;
            int yo = yOffset + r * n;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += (double) (x[xo + i] * x[xo + i]);
            }
            float mean = (float) (sum / n);
            float s = 1.0f / (float) Math.sqrt(mean + eps);
            for (int i = 0; i < n; i++) {
                float v = x[xo + i] * s;
                y[yo + i] = weight == null ? v : v * weight[i];
            }
        }
    }

    @Override
    public void layerNorm(float[] x, int xOffset, float[] y, int yOffset, int n, int rows,
                          float[] weight, float[] bias, float eps) {
        split(rows, n, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                normalize(x, xOffset + r * n, y, yOffset + r * n, n, 1, weight, bias, eps);
            }
        });
    }

    @Override
    public void channelLayerNorm(float[] x, int xOffset, float[] y, int yOffset, int channels, int pixels,
                                 float[] weight, float[] bias, float eps) {
        for (int p = 0; p < pixels; p++) {
            normalize(x, xOffset + p, y, yOffset + p, channels, pixels, weight, bias, eps);
        }
    }

    /** ggml {@code norm} of n values at stride {@code stride}, then × w + b. */
    private static void normalize(float[] x, int xo, float[] y, int yo, int n, int stride,
                                  float[] weight, float[] bias, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[xo + i * stride];
        }
        float mean = (float) (sum / n);
        double variance = 0;
        for (int i = 0; i < n; i++) {
            float d = x[xo + i * stride] - mean;
            variance += (double) (d * d);
        }
        float s = 1.0f / (float) Math.sqrt((float) (variance / n) + eps);
        for (int i = 0; i < n; i++) {
            float v = (x[xo + i * stride] - mean) * s;
            if (weight != null) {
                v *= weight[i];
            }
            if (bias != null) {
                v += bias[i];
            }
            y[yo + i * stride] = v;
        }
    }

    @Override
    public void softmax(float[] x, int xOffset, int n, int rows, float scale, float[] mask, int maskOffset) {
        for (int r = 0; r < rows; r++) {
            int o = xOffset + r * n;
            scale(x, o, x, o, n, scale);
            if (mask != null) {
                add(x, o, mask, maskOffset + r * n, x, o, n);
            }
            softmaxInPlace(x, o, n);
        }
    }

    @Override
    public void softmaxCausal(float[] x, int xOffset, int n, int rows, float scale, int firstPosition) {
        for (int r = 0; r < rows; r++) {
            int o = xOffset + r * n;
            int visible = Math.max(0, Math.min(n, firstPosition + r + 1));
            scale(x, o, x, o, visible, scale);
            softmaxInPlace(x, o, visible);
            java.util.Arrays.fill(x, o + visible, o + n, 0f);
        }
    }

    /** The row softmax {@link #softmax} and {@link #softmaxCausal} use; SIMD kernels override it. */
    protected void softmaxInPlace(float[] x, int offset, int n) {
        softmaxRow(x, offset, n);
    }

    /** exp(x − max) / Σ, the sum in double and applied as (float)(1/sum), in place (ggml soft_max). */
    static void softmaxRow(float[] x, int o, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[o + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[o + i] - max);
            x[o + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[o + i] *= inv;
        }
    }

    @Override
    public void gelu(float[] x, int xOffset, float[] y, int yOffset, int n) {
        split(n, 1, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                y[yOffset + i] = ActivationFunctions.geluTable(x[xOffset + i]);
            }
        });
    }

    @Override
    public void geluTanh(float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = ActivationFunctions.geluTanh(x[xOffset + i]);
        }
    }

    @Override
    public void geluErf(float[] x, int xOffset, float[] y, int yOffset, int n) {
        split(n, 1, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                y[yOffset + i] = ActivationFunctions.geluErf(x[xOffset + i]);
            }
        });
    }

    @Override
    public void quickGelu(float[] x, int xOffset, float[] y, int yOffset, int n) {
        split(n, 1, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                y[yOffset + i] = ActivationFunctions.quickGeluTable(x[xOffset + i]);
            }
        });
    }

    @Override
    public void quickGeluExact(float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = ActivationFunctions.quickGeluExact(x[xOffset + i]);
        }
    }

    @Override
    public void silu(float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = ActivationFunctions.silu(x[xOffset + i]);
        }
    }

    @Override
    public void swiglu(float[] gate, int gateOffset, float[] up, int upOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = ActivationFunctions.silu(gate[gateOffset + i]) * up[upOffset + i];
        }
    }

    @Override
    public void relu(float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = Math.max(x[xOffset + i], 0f);
        }
    }

    @Override
    public void hardswish(float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[xOffset + i];
            y[yOffset + i] = v * ActivationFunctions.hardsigmoid(v);
        }
    }

    @Override
    public void hardsigmoid(float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = ActivationFunctions.hardsigmoid(x[xOffset + i]);
        }
    }

    @Override
    public void add(float[] a, int aOffset, float[] b, int bOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = a[aOffset + i] + b[bOffset + i];
        }
    }

    @Override
    public void mul(float[] a, int aOffset, float[] b, int bOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = a[aOffset + i] * b[bOffset + i];
        }
    }

    @Override
    public void scale(float[] x, int xOffset, float[] y, int yOffset, int n, float s) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = x[xOffset + i] * s;
        }
    }

    @Override
    public void addRows(float[] x, int xOffset, int n, int rows, float[] b, int bOffset) {
        split(rows, n, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                add(x, xOffset + r * n, b, bOffset, x, xOffset + r * n, n);
            }
        });
    }

    @Override
    public void rope(Rope rope, float[] x, int xOffset, int rowStride, int nTokens, int nHeads, int firstPosition) {
        int pairs = rope.nRot() / 2;
        float[] cos = new float[pairs];
        float[] sin = new float[pairs];
        // NORMAL pairs (2i, 2i+1); NEOX pairs (i, i + nRot/2)
        int step = rope.mode() == Rope.Mode.NORMAL ? 2 : 1;
        int partner = rope.mode() == Rope.Mode.NORMAL ? 1 : pairs;
        for (int t = 0; t < nTokens; t++) {
            rope.angles(firstPosition + t, cos, sin);
            for (int h = 0; h < nHeads; h++) {
                int o = xOffset + t * rowStride + h * rope.headDim();
                for (int i = 0; i < pairs; i++) {
                    int a = o + i * step;
                    float x0 = x[a];
                    float x1 = x[a + partner];
                    x[a] = x0 * cos[i] - x1 * sin[i];
                    x[a + partner] = x0 * sin[i] + x1 * cos[i];
                }
            }
        }
    }

    @Override
    public void im2colPatches(float[] image, int imageOffset, int channels, int height, int width, int patch,
                              boolean roundToF16, float[] out, int outOffset) {
        int gw = width / patch;
        int patches = (height / patch) * gw;
        int o = outOffset;
        for (int token = 0; token < patches; token++) {
            int y0 = (token / gw) * patch;
            int x0 = (token % gw) * patch;
            for (int c = 0; c < channels; c++) {
                for (int ky = 0; ky < patch; ky++) {
                    int src = imageOffset + (c * height + y0 + ky) * width + x0;
                    for (int kx = 0; kx < patch; kx++) {
                        float v = image[src + kx];
                        out[o++] = roundToF16 ? Float.float16ToFloat(Float.floatToFloat16(v)) : v;
                    }
                }
            }
        }
    }

    @Override
    public void depthwiseConv3x3(float[] x, int xOffset, int channels, int height, int width, int stride,
                                 float[] kernel, float[] bias, boolean roundToF16, float[] y, int yOffset) {
        int oh = (height - 1) / stride + 1;
        int ow = (width - 1) / stride + 1;
        split(channels, 9 * oh * ow, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double sum = 0;
                        for (int ky = 0; ky < 3; ky++) {
                            int iy = oy * stride + ky - 1;
                            for (int kx = 0; kx < 3; kx++) {
                                int ix = ox * stride + kx - 1;
                                if (iy < 0 || iy >= height || ix < 0 || ix >= width) {
                                    continue;
                                }
                                float v = x[xOffset + (c * height + iy) * width + ix];
                                float k = kernel[c * 9 + ky * 3 + kx];
                                if (roundToF16) {
                                    v = Float.float16ToFloat(Float.floatToFloat16(v));
                                    k = Float.float16ToFloat(Float.floatToFloat16(k));
                                }
                                sum += (double) (v * k);
                            }
                        }
                        float r = (float) sum;
                        y[yOffset + (c * oh + oy) * ow + ox] = bias == null ? r : r + bias[c];
                    }
                }
            }
        });
    }

    @Override
    public void avgPool2x2(float[] x, int xOffset, int channels, int height, int width, float[] y, int yOffset) {
        int oh = height / 2;
        int ow = width / 2;
        for (int c = 0; c < channels; c++) {
            for (int oy = 0; oy < oh; oy++) {
                int r0 = xOffset + (c * height + 2 * oy) * width;
                int r1 = r0 + width;
                for (int ox = 0; ox < ow; ox++) {
                    float sum = x[r0 + 2 * ox] + x[r0 + 2 * ox + 1] + x[r1 + 2 * ox] + x[r1 + 2 * ox + 1];
                    y[yOffset + (c * oh + oy) * ow + ox] = sum / 4;
                }
            }
        }
    }

    @Override
    public void causalConv1d(float[] x, int xOffset, int nTokens, int channels, float[] state, int stateOffset,
                             float[] weight, int weightOffset, int kernelSize, float[] bias, float[] y, int yOffset) {
        int history = kernelSize - 1;
        float[] window = new float[kernelSize];
        for (int c = 0; c < channels; c++) {
            int so = stateOffset + c * history;
            int wo = weightOffset + c * kernelSize;
            System.arraycopy(state, so, window, 0, history);
            for (int t = 0; t < nTokens; t++) {
                window[history] = x[xOffset + t * channels + c];
                float sum = 0;
                for (int i = 0; i < kernelSize; i++) {
                    sum += window[i] * weight[wo + i];
                }
                y[yOffset + t * channels + c] = bias == null ? sum : sum + bias[c];
                System.arraycopy(window, 1, window, 0, history);
            }
            System.arraycopy(window, 0, state, so, history);
        }
    }

    @Override
    public void toF16(float[] x, int xOffset, short[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = Float.floatToFloat16(x[xOffset + i]);
        }
    }

    @Override
    public void fromF16(short[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = Float.float16ToFloat(x[xOffset + i]);
        }
    }

    @Override
    public void roundToF16(float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = Float.float16ToFloat(Float.floatToFloat16(x[xOffset + i]));
        }
    }

    @Override
    public void toBF16(float[] x, int xOffset, short[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = HalfFloats.f32ToBf16(x[xOffset + i]);
        }
    }

    @Override
    public void fromBF16(short[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = HalfFloats.bf16ToF32(x[xOffset + i]);
        }
    }
}
