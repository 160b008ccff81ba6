package org.mlm4j.models.vision;

import org.mlm4j.gguf.GgufArray;
import org.mlm4j.gguf.GgufType;
import org.mlm4j.gguf.GgufWriter;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Quantize;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes random-weight mmproj files in llama.cpp's layout (oracle/NUMERICS.md Part B §1–2) for
 * tests and benchmarks (e.g. MobileVLM V2's dimensions, {@link Shape#MOBILEVLM_V2}). Linear weights are uniform in ±1/√in so activations keep their scale;
 * norms are near 1. Linear weights take {@code matrixType}; the patch kernel and position
 * embeddings are F32 in an F32 file and F16 otherwise; depthwise kernels are F16 (clip.cpp needs
 * it); norms and biases F32, as llama.cpp's converter writes them.
 */
public final class RandomMmproj {
    /** The dimensions of the file: ViT, its stored block count, projector and its output width E. */
    public record Shape(int imageSize, int patch, int hidden, int heads, int feedForward, int blocks, int embd,
                 ProjectorType projector, boolean useGelu) {
        /** MobileVLM V2 1.7B's mmproj: ViT-L/14-336 with 23 stored blocks, LDPv2 to 2048. */
        public static final Shape MOBILEVLM_V2 = new Shape(336, 14, 1024, 16, 4096, 23, 2048, ProjectorType.LDPV2, false);
    }

    private final GgufWriter writer = new GgufWriter();
    private final GgmlType matrixType;
    private final long seed;

    private RandomMmproj(GgmlType matrixType, long seed) {
        this.matrixType = matrixType;
        this.seed = seed;
    }

    /** Writes the file; the same seed gives the same weights (before quantization) whatever the type. */
    public static void write(Path path, Shape s, GgmlType matrixType, long seed) throws IOException {
        new RandomMmproj(matrixType, seed).build(s).write(path);
    }

    /** The metadata and tensors of {@code s}, for tests that change them before writing. */
    public static GgufWriter writer(Shape s, GgmlType matrixType, long seed) {
        return new RandomMmproj(matrixType, seed).build(s);
    }

    private GgufWriter build(Shape s) {
        writer.put("general.architecture", "clip")
                .put("general.file_type", GgufType.UINT32, matrixType.id)
                .put("general.description", "image encoder for LLaVA")
                .put("clip.has_text_encoder", false)
                .put("clip.has_vision_encoder", true)
                .put("clip.has_llava_projector", true)
                .put("clip.projector_type", s.projector().ggufName())
                .put("clip.use_gelu", s.useGelu())
                .put("clip.vision.image_size", GgufType.UINT32, s.imageSize())
                .put("clip.vision.patch_size", GgufType.UINT32, s.patch())
                .put("clip.vision.embedding_length", GgufType.UINT32, s.hidden())
                .put("clip.vision.feed_forward_length", GgufType.UINT32, s.feedForward())
                .put("clip.vision.projection_dim", GgufType.UINT32, 768)
                .put("clip.vision.attention.head_count", GgufType.UINT32, s.heads())
                .put("clip.vision.attention.layer_norm_epsilon", 1e-5f)
                .put("clip.vision.block_count", GgufType.UINT32, s.blocks())
                .put("clip.vision.image_mean", GgufArray.ofFloats(0.48145466f, 0.4578275f, 0.40821073f))
                .put("clip.vision.image_std", GgufArray.ofFloats(0.26862954f, 0.26130258f, 0.27577711f));
        int h = s.hidden();
        int p = s.patch();
        int grid = s.imageSize() / p;
        GgmlType embeddingType = matrixType == GgmlType.F32 ? GgmlType.F32 : GgmlType.F16;
        floats("v.class_embd", GgmlType.F32, 1, h);
        floats("v.patch_embd.weight", embeddingType, 1 / Math.sqrt(3.0 * p * p), p, p, 3, h);
        floats("v.position_embd.weight", embeddingType, 0.5, h, grid * grid + 1);
        norm("v.pre_ln", h);
        for (int b = 0; b < s.blocks(); b++) {
            String n = "v.blk." + b + ".";
            for (String m : new String[] {"attn_q", "attn_k", "attn_v", "attn_out"}) {
                linear(n + m, h, h, true);
            }
            norm(n + "ln1", h);
            norm(n + "ln2", h);
            linear(n + "ffn_down", h, s.feedForward(), true);
            linear(n + "ffn_up", s.feedForward(), h, true);
        }
        int e = s.embd();
        switch (s.projector()) {
            case MLP -> {
                linear("mm.0", h, e, true);
                linear("mm.2", e, e, true);
            }
            case LDPV2 -> {
                linear("mm.model.mlp.0", h, e, true);
                linear("mm.model.mlp.2", e, e, true);
                floats("mm.model.peg.0.weight", GgmlType.F16, 1 / 3.0, 3, 3, e);
                floats("mm.model.peg.0.bias", GgmlType.F32, 0.1, e);
            }
            case LDP -> {
                linear("mm.model.mlp.1", h, e, true);
                linear("mm.model.mlp.3", e, e, true);
                for (int b = 1; b <= 2; b++) {
                    String n = "mm.model.mb_block." + b + ".block.";
                    floats(n + "0.0.weight", GgmlType.F16, 1 / 3.0, 3, 3, e);
                    norm(n + "0.1", e);
                    linear(n + "1.fc1", e, e / 4, true);
                    linear(n + "1.fc2", e / 4, e, true);
                    linear(n + "2.0", e, e, false);
                    norm(n + "2.1", e);
                }
            }
        }
        return writer;
    }

    private void linear(String name, int in, int out, boolean bias) {
        float[] w = random(name + ".weight", in * out, 1 / Math.sqrt(in), 0);
        if (matrixType == GgmlType.F32 || matrixType == GgmlType.F16 || matrixType == GgmlType.BF16) {
            writer.addTensor(name + ".weight", matrixType, new long[] {in, out}, w);
        } else {
            writer.addTensor(name + ".weight", matrixType, new long[] {in, out}, Quantize.toBytes(matrixType, w, 0, w.length));
        }
        if (bias) {
            floats(name + ".bias", GgmlType.F32, 0.1, out);
        }
    }

    private void norm(String name, int n) {
        writer.addTensor(name + ".weight", GgmlType.F32, new long[] {n}, random(name + ".weight", n, 0.2, 1));
        floats(name + ".bias", GgmlType.F32, 0.1, n);
    }

    private void floats(String name, GgmlType type, double scale, long... shape) {
        int n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, (int) d);
        }
        writer.addTensor(name, type, shape, random(name, n, scale, 0));
    }

    /** Uniform in {@code center ± scale}, the same for the same seed and name. */
    private float[] random(String name, int n, double scale, double center) {
        SplittableRandom r = new SplittableRandom(seed * 31 + name.hashCode());
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (center + scale * (2 * r.nextDouble() - 1));
        }
        return v;
    }
}
