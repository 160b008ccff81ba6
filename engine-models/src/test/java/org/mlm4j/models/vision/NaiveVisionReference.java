package org.mlm4j.models.vision;

import org.mlm4j.gguf.GgufFile;
import org.mlm4j.gguf.GgufMetadata;
import org.mlm4j.tensor.Tensor;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The PyTorch MobileVLM / LLaVA vision pipeline (oracle/PYTORCH-PRESET.md steps 5 and 6) in
 * float64, written straight from the module definitions with plain loops and no engine code:
 * the independent reference the engine's {@code pytorch} preset is checked against. Reads F32
 * and F16 weights only (the test models are written in those types).
 */
final class NaiveVisionReference {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GgufFile file;
    private final GgufMetadata meta;
    private final int hidden;
    private final int heads;
    private final int patch;
    private final int grid;
    private final double eps;
    private final int blocks;
    private final boolean tanhGelu;

    /** The PyTorch model: every stored ViT block, erf GELU. */
    NaiveVisionReference(GgufFile file) {
        this(file, file.metadata().getInt("clip.vision.block_count"), false);
    }

    /** With llama.cpp's two structural changes available: fewer blocks, tanh-approximated GELU. */
    NaiveVisionReference(GgufFile file, int blocks, boolean tanhGelu) {
        this.blocks = blocks;
        this.tanhGelu = tanhGelu;
        this.file = file;
        this.meta = file.metadata();
        this.hidden = meta.getInt("clip.vision.embedding_length");
        this.heads = meta.getInt("clip.vision.attention.head_count");
        this.patch = meta.getInt("clip.vision.patch_size");
        this.grid = meta.getInt("clip.vision.image_size") / patch;
        this.eps = meta.getFloat("clip.vision.attention.layer_norm_epsilon");
    }

    /** Image embeddings {@code [tokens][E]} for a preprocessed HWC image, as the PyTorch model computes them. */
    double[][] encode(float[] hwc) {
        double[][] features = vit(hwc);
        String type = meta.findString("clip.projector_type").orElse("mlp");
        return switch (type) {
            case "mlp" -> linear(gelu(linear(features, "mm.0")), "mm.2");
            case "ldpv2" -> ldpv2(linear(gelu(linear(features, "mm.model.mlp.0")), "mm.model.mlp.2"));
            case "ldp" -> ldp(linear(gelu(linear(features, "mm.model.mlp.1")), "mm.model.mlp.3"));
            default -> throw new IllegalArgumentException(type);
        };
    }

    /** HF CLIPVisionTransformer up to hidden_states[-2] of the original tower: every stored block, CLS dropped. */
    double[][] vit(float[] hwc) {
        int size = grid * patch;
        int tokens = grid * grid + 1;
        double[] conv = values("v.patch_embd.weight"); // (H, 3, P, P)
        double[] cls = values("v.class_embd");
        double[] pos = values("v.position_embd.weight"); // (N, H)
        double[][] x = new double[tokens][hidden];
        for (int h = 0; h < hidden; h++) {
            x[0][h] = cls[h];
        }
        for (int py = 0; py < grid; py++) {
            for (int px = 0; px < grid; px++) {
                for (int h = 0; h < hidden; h++) {
                    double s = 0;
                    for (int c = 0; c < 3; c++) {
                        for (int ky = 0; ky < patch; ky++) {
                            for (int kx = 0; kx < patch; kx++) {
                                int y = py * patch + ky, xx = px * patch + kx;
                                s += conv[((h * 3 + c) * patch + ky) * patch + kx] * hwc[(y * size + xx) * 3 + c];
                            }
                        }
                    }
                    x[1 + py * grid + px][h] = s;
                }
            }
        }
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < hidden; h++) {
                x[t][h] += pos[t * hidden + h];
            }
        }
        x = layerNorm(x, "v.pre_ln", eps);
        boolean erfGelu = meta.getBoolean("clip.use_gelu");
        for (int b = 0; b < blocks; b++) {
            String p = "v.blk." + b + ".";
            double[][] a = attention(layerNorm(x, p + "ln1", eps), p);
            x = add(x, a);
            double[][] h = linear(layerNorm(x, p + "ln2", eps), p + "ffn_down");
            h = erfGelu ? gelu(h) : quickGelu(h);
            x = add(x, linear(h, p + "ffn_up"));
        }
        double[][] patches = new double[tokens - 1][];
        System.arraycopy(x, 1, patches, 0, tokens - 1);
        return patches;
    }

    private double[][] attention(double[][] x, String p) {
        double[][] q = linear(x, p + "attn_q");
        double[][] k = linear(x, p + "attn_k");
        double[][] v = linear(x, p + "attn_v");
        int n = x.length, d = hidden / heads;
        double scale = 1 / Math.sqrt(d);
        double[][] out = new double[n][hidden];
        for (int hd = 0; hd < heads; hd++) {
            for (int i = 0; i < n; i++) {
                double[] score = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int e = 0; e < d; e++) {
                        s += q[i][hd * d + e] * scale * k[j][hd * d + e];
                    }
                    score[j] = s;
                    max = Math.max(max, s);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    score[j] = Math.exp(score[j] - max);
                    sum += score[j];
                }
                for (int j = 0; j < n; j++) {
                    for (int e = 0; e < d; e++) {
                        out[i][hd * d + e] += score[j] / sum * v[j][hd * d + e];
                    }
                }
            }
        }
        return linear(out, p + "attn_out");
    }

    /** LDPNetV2Projector after its MLP: AdaptiveAvgPool2d(12), then PEG (depthwise 3×3 + bias) with residual. */
    double[][] ldpv2(double[][] t) {
        int side = (int) Math.round(Math.sqrt(t.length));
        double[][][] map = toChannels(t, side);
        double[][][] pooled = adaptiveAvgPool(map, 12);
        double[][][] peg = depthwise(pooled, values("mm.model.peg.0.weight"), 1);
        double[] bias = values("mm.model.peg.0.bias");
        for (int c = 0; c < peg.length; c++) {
            for (int y = 0; y < 12; y++) {
                for (int x = 0; x < 12; x++) {
                    peg[c][y][x] += bias[c] + pooled[c][y][x];
                }
            }
        }
        return toTokens(peg);
    }

    /** LDPNetProjector after its MLP: torchvision InvertedResidual blocks, stride 1 with residual, then stride 2. */
    double[][] ldp(double[][] t) {
        int side = (int) Math.round(Math.sqrt(t.length));
        double[][][] map = toChannels(t, side);
        double[][][] u = invertedResidual(map, "mm.model.mb_block.1.", 1);
        for (int c = 0; c < map.length; c++) {
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    u[c][y][x] += map[c][y][x];
                }
            }
        }
        return toTokens(invertedResidual(u, "mm.model.mb_block.2.", 2));
    }

    private double[][][] invertedResidual(double[][][] in, String p, int stride) {
        double[][][] u = depthwise(in, values(p + "block.0.0.weight"), stride);
        u = channelLayerNorm(u, p + "block.0.1");
        int ch = u.length, h = u[0].length, w = u[0][0].length;
        double[][] mean = new double[1][ch];
        for (int c = 0; c < ch; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = u[c][y][x];
                    v = v * Math.min(Math.max(v + 3, 0), 6) / 6; // hardswish
                    u[c][y][x] = v;
                    mean[0][c] += v / (h * w);
                }
            }
        }
        double[][] g = linear(mean, p + "block.1.fc1");
        for (int i = 0; i < g[0].length; i++) {
            g[0][i] = Math.max(g[0][i], 0);
        }
        g = linear(g, p + "block.1.fc2");
        double[][] pointIn = new double[h * w][ch];
        for (int c = 0; c < ch; c++) {
            double gate = Math.min(Math.max(g[0][c] + 3, 0), 6) / 6; // hardsigmoid
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    pointIn[y * w + x][c] = u[c][y][x] * gate;
                }
            }
        }
        double[][] out = linear(pointIn, p + "block.2.0");
        return channelLayerNorm(toChannels(out, h), p + "block.2.1");
    }

    private double[][][] channelLayerNorm(double[][][] u, String name) {
        double[][][] t = toChannels(layerNorm(toTokens(u), name, 1e-5), u[0].length);
        return t;
    }

    /** Depthwise 3×3 convolution, zero padding 1, no bias; kernel (C, 3, 3). */
    private static double[][][] depthwise(double[][][] in, double[] kernel, int stride) {
        int ch = in.length, h = in[0].length, w = in[0][0].length;
        int oh = (h + 2 - 3) / stride + 1, ow = (w + 2 - 3) / stride + 1;
        double[][][] out = new double[ch][oh][ow];
        for (int c = 0; c < ch; c++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double s = 0;
                    for (int ky = 0; ky < 3; ky++) {
                        for (int kx = 0; kx < 3; kx++) {
                            int y = oy * stride + ky - 1, x = ox * stride + kx - 1;
                            if (y >= 0 && y < h && x >= 0 && x < w) {
                                s += kernel[(c * 3 + ky) * 3 + kx] * in[c][y][x];
                            }
                        }
                    }
                    out[c][oy][ox] = s;
                }
            }
        }
        return out;
    }

    private static double[][][] adaptiveAvgPool(double[][][] in, int out) {
        int ch = in.length, h = in[0].length, w = in[0][0].length;
        double[][][] r = new double[ch][out][out];
        for (int c = 0; c < ch; c++) {
            for (int i = 0; i < out; i++) {
                int y0 = i * h / out, y1 = ((i + 1) * h + out - 1) / out;
                for (int j = 0; j < out; j++) {
                    int x0 = j * w / out, x1 = ((j + 1) * w + out - 1) / out;
                    double s = 0;
                    for (int y = y0; y < y1; y++) {
                        for (int x = x0; x < x1; x++) {
                            s += in[c][y][x];
                        }
                    }
                    r[c][i][j] = s / ((y1 - y0) * (x1 - x0));
                }
            }
        }
        return r;
    }

    private static double[][][] toChannels(double[][] tokens, int side) {
        int ch = tokens[0].length;
        double[][][] m = new double[ch][side][side];
        for (int t = 0; t < tokens.length; t++) {
            for (int c = 0; c < ch; c++) {
                m[c][t / side][t % side] = tokens[t][c];
            }
        }
        return m;
    }

    private static double[][] toTokens(double[][][] m) {
        int ch = m.length, h = m[0].length, w = m[0][0].length;
        double[][] t = new double[h * w][ch];
        for (int c = 0; c < ch; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    t[y * w + x][c] = m[c][y][x];
                }
            }
        }
        return t;
    }

    /** {@code y = W x + b} for every row; W is PyTorch (out, in), the bias optional. */
    private double[][] linear(double[][] x, String name) {
        Tensor wt = file.tensor(name + ".weight");
        double[] w = values(wt);
        double[] b = file.hasTensor(name + ".bias") ? values(name + ".bias") : null;
        int in = wt.cols(), out = Math.toIntExact(wt.rows());
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) {
                    s += w[o * in + i] * x[t][i];
                }
                y[t][o] = s;
            }
        }
        return y;
    }

    private double[][] layerNorm(double[][] x, String name, double epsilon) {
        double[] w = values(name + ".weight");
        double[] b = values(name + ".bias");
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            int n = x[t].length;
            double mean = 0, var = 0;
            for (double v : x[t]) {
                mean += v / n;
            }
            for (double v : x[t]) {
                var += (v - mean) * (v - mean) / n;
            }
            y[t] = new double[n];
            for (int i = 0; i < n; i++) {
                y[t][i] = (x[t][i] - mean) / Math.sqrt(var + epsilon) * w[i] + b[i];
            }
        }
        return y;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] y = new double[a.length][a[0].length];
        for (int t = 0; t < a.length; t++) {
            for (int i = 0; i < a[t].length; i++) {
                y[t][i] = a[t][i] + b[t][i];
            }
        }
        return y;
    }

    /** Exact GELU {@code x·Φ(x)} (PyTorch nn.GELU()), or its tanh approximation when asked for. */
    private double[][] gelu(double[][] x) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            y[t] = new double[x[t].length];
            for (int i = 0; i < x[t].length; i++) {
                double v = x[t][i];
                y[t][i] = 0.5 * v * (1 + (tanhGelu ? Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))
                        : erf(v / Math.sqrt(2))));
            }
        }
        return y;
    }

    /** OpenAI CLIP's {@code x·σ(1.702x)}. */
    private static double[][] quickGelu(double[][] x) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            y[t] = new double[x[t].length];
            for (int i = 0; i < x[t].length; i++) {
                y[t][i] = x[t][i] / (1 + Math.exp(-1.702 * x[t][i]));
            }
        }
        return y;
    }

    /** erf by its Maclaurin series for |x| < 3 and the asymptotic continued fraction beyond: |error| < 1e-13. */
    static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 3) {
            double term = a, sum = a;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(a) = exp(-a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + 2/(a + ...)))))
            double f = a;
            for (int k = 60; k >= 1; k--) {
                f = a + k / 2.0 / f;
            }
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }

    private double[] values(String name) {
        return values(file.tensor(name));
    }

    private static double[] values(Tensor t) {
        int n = Math.toIntExact(t.elementCount());
        double[] v = new double[n];
        switch (t.type()) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    v[i] = t.data().getAtIndex(F32, i);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    v[i] = Float.float16ToFloat(t.data().getAtIndex(F16, i));
                }
            }
            default -> throw new IllegalArgumentException("reference reads F32/F16 only: " + t);
        }
        return v;
    }
}
