package org.mlm4j.models.llm;

import org.mlm4j.gguf.GgufFile;
import org.mlm4j.tensor.Dequantize;
import org.mlm4j.tensor.Tensor;

/**
 * A LLaMA forward pass written from the paper in float64, one query at a time, independent of the
 * engine's blocks and kernels: the reference for FastV. FastV's meaning is a mask: from block
 * {@code maskFrom} on, no query sees the keys of the {@code hidden} rows; every row keeps its
 * position (RoPE on adjacent pairs, θ_i = pos·base^(−2i/d)).
 */
final class NaiveMaskedLlama {
    private final GgufFile gguf;
    private final ModelConfig c;

    NaiveMaskedLlama(GgufFile gguf) {
        this.gguf = gguf;
        this.c = ModelConfig.read(gguf);
    }

    /** The embedding of token {@code id}. */
    double[] embed(int id) {
        return row("token_embd.weight", id);
    }

    /**
     * Logits of every row of {@code x} (inputs at positions 0 .. n-1; the hidden rows' logits are
     * meaningless) and, in {@code attention}, the attention row {@code query} pays to each row at
     * block {@code maskFrom - 1}, softmax per head averaged over heads.
     */
    double[][] forward(double[][] x, boolean[] hidden, int maskFrom, int query, double[] attention) {
        int n = x.length;
        int e = c.embeddingLength();
        int d = c.headDim();
        int group = c.headCount() / c.headCountKv();
        double[][] h = new double[n][];
        for (int t = 0; t < n; t++) {
            h[t] = x[t].clone();
        }
        for (int l = 0; l < c.blockCount(); l++) {
            String p = "blk." + l + ".";
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] xn = rmsNorm(h[t], p + "attn_norm.weight");
                q[t] = rope(matvec(p + "attn_q.weight", xn), t, c.headCount());
                k[t] = rope(matvec(p + "attn_k.weight", xn), t, c.headCountKv());
                v[t] = matvec(p + "attn_v.weight", xn);
            }
            for (int t = 0; t < n; t++) {
                double[] att = new double[e];
                for (int head = 0; head < c.headCount(); head++) {
                    int kvHead = head / group;
                    double[] w = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= t; j++) {
                        if (l >= maskFrom && hidden[j]) {
                            w[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int i = 0; i < d; i++) {
                            dot += q[t][head * d + i] * k[j][kvHead * d + i];
                        }
                        w[j] = dot / Math.sqrt(d);
                        max = Math.max(max, w[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= t; j++) {
                        w[j] = Math.exp(w[j] - max);
                        sum += w[j];
                    }
                    for (int j = 0; j <= t; j++) {
                        w[j] /= sum;
                        for (int i = 0; i < d; i++) {
                            att[head * d + i] += w[j] * v[j][kvHead * d + i];
                        }
                        if (l == maskFrom - 1 && t == query) {
                            attention[j] += w[j] / c.headCount();
                        }
                    }
                }
                add(h[t], matvec(p + "attn_output.weight", att));
            }
            for (int t = 0; t < n; t++) {
                double[] xn = rmsNorm(h[t], p + "ffn_norm.weight");
                double[] gate = matvec(p + "ffn_gate.weight", xn);
                double[] up = matvec(p + "ffn_up.weight", xn);
                for (int i = 0; i < gate.length; i++) {
                    gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                }
                add(h[t], matvec(p + "ffn_down.weight", gate));
            }
        }
        double[][] logits = new double[n][];
        for (int t = 0; t < n; t++) {
            logits[t] = matvec("output.weight", rmsNorm(h[t], "output_norm.weight"));
        }
        return logits;
    }

    private double[] rope(double[] x, int pos, int heads) {
        int d = c.headDim();
        for (int head = 0; head < heads; head++) {
            for (int i = 0; i < c.ropeDims() / 2; i++) {
                double theta = pos * Math.pow(c.ropeBase(), -2.0 * i / c.ropeDims());
                int a = head * d + 2 * i;
                double x0 = x[a];
                double x1 = x[a + 1];
                x[a] = x0 * Math.cos(theta) - x1 * Math.sin(theta);
                x[a + 1] = x0 * Math.sin(theta) + x1 * Math.cos(theta);
            }
        }
        return x;
    }

    private double[] rmsNorm(double[] x, String weight) {
        double ss = 0;
        for (double value : x) {
            ss += value * value;
        }
        double inv = 1 / Math.sqrt(ss / x.length + c.normEps());
        double[] g = vector(weight);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * inv * g[i];
        }
        return y;
    }

    private double[] matvec(String name, double[] x) {
        Tensor w = gguf.tensor(name);
        int rows = (int) w.shape()[1];
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double[] wr = row(name, r);
            for (int i = 0; i < x.length; i++) {
                y[r] += wr[i] * x[i];
            }
        }
        return y;
    }

    private double[] vector(String name) {
        return row(name, 0);
    }

    private double[] row(String name, int r) {
        Tensor t = gguf.tensor(name);
        float[] f = new float[(int) t.shape()[0]];
        Dequantize.row(t, r, f, 0);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    private static void add(double[] x, double[] delta) {
        for (int i = 0; i < x.length; i++) {
            x[i] += delta[i];
        }
    }
}
