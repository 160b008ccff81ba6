package org.mlm4j.models.mamba;

import org.mlm4j.gguf.GgufType;
import org.mlm4j.gguf.GgufWriter;
import org.mlm4j.models.llm.RandomModel;
import org.mlm4j.tensor.GgmlType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a Mamba-1 model with random weights at a real model's dimensions, in the layout
 * llama.cpp's converter writes (for speed and memory measurements). The SSM parameters are
 * initialised as the Mamba paper does so the recurrence stays stable over long contexts:
 * A = −(1…d_state), D = 1, Δ's bias the inverse softplus of 0.01…0.1. Matrices whose input width
 * is not a whole number of {@code type} blocks (dt_proj's dt_rank) are written as F16, as
 * llama-quantize falls back.
 */
public final class RandomMambaModel {

    /** A Mamba model family's shape: n_embd, layers, d_state, d_conv, dt_rank, vocabulary. */
    public record Dims(String name, int embd, int layers, int state, int conv, int dtRank, int vocab) {
        /** state-spaces/mamba-130m and mamba-1.4b (config.json; vocabulary padded to 50280). */
        public static final List<Dims> KNOWN = List.of(
                new Dims("mamba-130m", 768, 24, 16, 4, 48, 50280),
                new Dims("mamba-1.4b", 2048, 48, 16, 4, 128, 50280));

        /** The known dims called {@code name}, or null. */
        public static Dims find(String name) {
            return KNOWN.stream().filter(d -> d.name.equals(name)).findFirst().orElse(null);
        }
    }

    private RandomMambaModel() {
    }

    public static void write(Dims d, GgmlType type, long seed, Path out) throws IOException {
        int e = d.embd;
        int di = 2 * e;
        GgufWriter w = new GgufWriter()
                .put("general.architecture", "mamba")
                .put("general.name", "random " + d.name + " " + type.ggmlName())
                .put("mamba.context_length", GgufType.UINT32, 1 << 20)
                .put("mamba.embedding_length", GgufType.UINT32, e)
                .put("mamba.block_count", GgufType.UINT32, d.layers)
                .put("mamba.feed_forward_length", GgufType.UINT32, 0)
                .put("mamba.attention.head_count", GgufType.UINT32, 0)
                .put("mamba.ssm.conv_kernel", GgufType.UINT32, d.conv)
                .put("mamba.ssm.inner_size", GgufType.UINT32, di)
                .put("mamba.ssm.state_size", GgufType.UINT32, d.state)
                .put("mamba.ssm.time_step_rank", GgufType.UINT32, d.dtRank)
                .put("mamba.attention.layer_norm_rms_epsilon", 1e-5f);
        RandomModel.putVocabulary(w, d.vocab);
        SplittableRandom random = new SplittableRandom(seed);
        RandomModel.matrix(w, "token_embd.weight", type, e, d.vocab, random);
        RandomModel.vector(w, "output_norm.weight", e, 1f);
        for (int i = 0; i < d.layers; i++) {
            String p = "blk." + i + ".";
            RandomModel.vector(w, p + "attn_norm.weight", e, 1f);
            RandomModel.matrix(w, p + "ssm_in.weight", type, e, 2 * di, random);
            uniform(w, p + "ssm_conv1d.weight", 1 / Math.sqrt(d.conv), random, d.conv, di);
            RandomModel.vector(w, p + "ssm_conv1d.bias", di, 0f);
            RandomModel.matrix(w, p + "ssm_x.weight", type, di, d.dtRank + 2 * d.state, random);
            RandomModel.matrix(w, p + "ssm_dt.weight", d.dtRank % type.blockSize == 0 ? type : GgmlType.F16,
                    d.dtRank, di, random);
            w.addTensor(p + "ssm_dt.bias", GgmlType.F32, new long[] {di}, dtBias(di, random.split()));
            w.addTensor(p + "ssm_a", GgmlType.F32, new long[] {d.state, di}, a(d.state, di));
            RandomModel.vector(w, p + "ssm_d", di, 1f);
            RandomModel.matrix(w, p + "ssm_out.weight", type, di, e, random);
        }
        w.write(out);
    }

    private static void uniform(GgufWriter w, String name, double bound, SplittableRandom parent, long... shape) {
        SplittableRandom r = parent.split();
        float[] v = new float[Math.toIntExact(shape[0] * shape[1])];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
        w.addTensor(name, GgmlType.F32, shape, v);
    }

    /** softplus⁻¹(Δ) for Δ log-uniform in [0.01, 0.1], as Mamba initialises dt_proj's bias. */
    private static float[] dtBias(int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double delta = Math.exp(Math.log(0.01) + r.nextDouble() * (Math.log(0.1) - Math.log(0.01)));
            v[i] = (float) (delta + Math.log(-Math.expm1(-delta)));
        }
        return v;
    }

    /** A = −(1, 2, …, d_state) for every channel: the S4D-real initialisation, stored as −exp(A_log). */
    private static float[] a(int state, int channels) {
        float[] v = new float[state * channels];
        for (int i = 0; i < v.length; i++) {
            v[i] = -(1 + i % state);
        }
        return v;
    }
}
