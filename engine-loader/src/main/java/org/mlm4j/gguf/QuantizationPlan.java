package org.mlm4j.gguf;

import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Quantize;
import org.mlm4j.tensor.Tensor;
import org.mlm4j.tensor.UnsupportedTensorTypeException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which type each tensor of a model gets when it is quantized to a {@link FileType}, chosen as
 * llama.cpp's {@code llama-quantize} chooses without an importance matrix ({@code src/llama-quant.cpp},
 * {@code llama_tensor_get_type}): only 2-D+ {@code *weight} tensors that are not norms, conv1d or
 * position/patch embeddings are converted; the output head (or the tied token embedding) gets Q6_K
 * (Q8_0 when its rows are not whole blocks); the K-quant mixes give attn_v, ffn_down, attn_output
 * and attn_qkv more bits in the layers {@code use_more_bits} picks; a type whose block does not divide
 * a row falls back (Q4_K→Q5_0, Q5_K→Q5_1, Q6_K→Q8_0, then F16). Tensors are listed in llama.cpp's
 * output order: non-layer tensors by name, then layer by layer, each by name.
 *
 * <p>mmproj files (llama-quantize loads LLMs only) get the same rules, with their vision layers
 * ({@code v.blk.N.}) ordered and counted like an LLM's ({@code clip.vision.block_count}, else the
 * highest index + 1), and tensors whose rows are not whole blocks of any fallback (llama-quantize
 * gives up on those) kept as they are.
 */
public final class QuantizationPlan {
    /**
     * llama-quantize's options that change the choice: {@code --pure}, {@code --output-tensor-type},
     * {@code --token-embedding-type} ({@code null}: choose), {@code --allow-requantize} and
     * {@code --leave-output-tensor} (output.weight copied as it is).
     */
    public record Settings(boolean pure, GgmlType outputType, GgmlType tokenEmbeddingType, boolean allowRequantize,
                           boolean leaveOutputTensor) {
        public static final Settings DEFAULT = new Settings(false, null, null, false, false);
    }

    /** One tensor: its type in the input and in the output ({@code from == to}: copied as it is). */
    public record Entry(String name, long[] shape, GgmlType from, GgmlType to) {
        public boolean converted() {
            return from != to;
        }
    }

    private static final Pattern LAYER = Pattern.compile("^(?:v\\.)?blk\\.(\\d+)\\.");
    private static final String[] KEEP_PARTS = {
            "_norm.weight", "ffn_gate_inp.weight", "ssm_conv1d.weight", "time_mix_first.weight",
            "time_mix_w1.weight", "time_mix_w2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
            "time_mix_lerp_fused.weight", "attn_rel_b.weight", ".position_embd", ".patch_embd"};

    private final FileType fileType;
    private final List<Entry> entries;

    private QuantizationPlan(FileType fileType, List<Entry> entries) {
        this.fileType = fileType;
        this.entries = List.copyOf(entries);
    }

    public FileType fileType() {
        return fileType;
    }

    /** Every tensor in output order. */
    public List<Entry> entries() {
        return entries;
    }

    /** Output type by tensor name, in output order. */
    public Map<String, GgmlType> types() {
        Map<String, GgmlType> m = new LinkedHashMap<>();
        for (Entry e : entries) {
            m.put(e.name, e.to);
        }
        return m;
    }

    public static QuantizationPlan of(GgufFile file, FileType fileType, Settings settings) {
        return of(file.metadata(), file.tensors().values(), fileType, settings);
    }

    /**
     * @throws IllegalArgumentException when a tensor would need a type mlm4j cannot produce or read,
     *         or a quantized input would be re-quantized without {@link Settings#allowRequantize}
     */
    public static QuantizationPlan of(GgufMetadata metadata, Collection<Tensor> tensors, FileType fileType, Settings settings) {
        List<Tensor> ordered = new ArrayList<>(tensors);
        ordered.sort(Comparator.comparingInt((Tensor t) -> layerOf(t.name())).thenComparing(Tensor::name));
        Chooser chooser = new Chooser(metadata, ordered, fileType);
        List<Entry> entries = new ArrayList<>();
        for (Tensor t : ordered) {
            GgmlType to = t.type();
            if (isConvertible(t, settings)) {
                to = fileType.defaultType;
                if (!settings.pure() && to.isQuantized()) {
                    GgmlType chosen = chooser.choose(t, to);
                    to = chosen == null ? t.type() : chosen;
                }
                if (settings.tokenEmbeddingType() != null && t.name().equals("token_embd.weight")) {
                    to = settings.tokenEmbeddingType();
                }
                if (settings.outputType() != null && t.name().equals("output.weight")) {
                    to = settings.outputType();
                }
            }
            entries.add(check(new Entry(t.name(), t.shape(), t.type(), to), settings));
        }
        return new QuantizationPlan(fileType, entries);
    }

    /** llama-quantize's filter: which tensors take the file's types at all. */
    private static boolean isConvertible(Tensor t, Settings settings) {
        String name = t.name();
        if (!name.endsWith("weight") || t.rank() < 2 || (settings.leaveOutputTensor() && name.equals("output.weight"))) {
            return false;
        }
        for (String part : KEEP_PARTS) {
            if (name.contains(part)) {
                return false;
            }
        }
        return !name.equals("position_embd.weight") && !name.equals("token_types.weight");
    }

    private static Entry check(Entry e, Settings settings) {
        if (!e.converted()) {
            return e;
        }
        String what = "tensor '" + e.name + "' " + Arrays.toString(e.shape);
        if (!e.from.computable) {
            throw new IllegalArgumentException(what + " is " + e.from.ggmlName() + ", which mlm4j cannot convert");
        }
        if (e.from.isQuantized() && !settings.allowRequantize()) {
            throw new IllegalArgumentException(what + " is already " + e.from.ggmlName()
                    + "; re-quantizing loses precision (--allow-requantize to do it anyway)");
        }
        if (e.shape[0] % e.to.blockSize != 0) {
            throw new IllegalArgumentException(what + ": rows of " + e.shape[0] + " are not whole " + e.to.ggmlName()
                    + " blocks of " + e.to.blockSize + (settings.pure() ? " (--pure has no fallback)" : ""));
        }
        try {
            Quantize.toBytes(e.to, new float[e.to.blockSize], 0, e.to.blockSize);
        } catch (UnsupportedTensorTypeException x) {
            throw new IllegalArgumentException(what + " would be " + e.to.ggmlName() + ": " + x.getMessage());
        }
        return e;
    }

    /** {@code sscanf(name, "blk.%d.")}: the layer of a per-layer tensor, -1 for the others (sorted first). */
    static int layerOf(String name) {
        Matcher m = LAYER.matcher(name);
        if (!m.find()) {
            return -1;
        }
        try {
            return Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** llama_tensor_get_type with its counters (tensors are offered in output order). */
    private static final class Chooser {
        private final FileType ftype;
        private final String arch;
        private final int nLayer;
        private final int nGqa;
        private final int nExpert;
        private final boolean is70B;
        private final boolean hasOutput;
        private final int nAttentionWv;
        private int iAttentionWv;
        private int iFfnDown;

        Chooser(GgufMetadata meta, List<Tensor> tensors, FileType ftype) {
            this.ftype = ftype;
            this.arch = meta.getString("general.architecture", "");
            int maxLayer = tensors.stream().mapToInt(t -> layerOf(t.name())).filter(l -> l != Integer.MAX_VALUE).max().orElse(-1);
            this.nLayer = (int) meta.getLong(arch + ".block_count", meta.getLong(arch + ".vision.block_count", maxLayer + 1));
            long nHead = meta.contains(arch + ".attention.head_count") ? firstOf(meta, arch + ".attention.head_count") : 0;
            long nHeadKv = meta.contains(arch + ".attention.head_count_kv") ? firstOf(meta, arch + ".attention.head_count_kv") : nHead;
            this.nGqa = nHeadKv == 0 ? 0 : (int) (nHead / nHeadKv);
            this.nExpert = (int) meta.getLong(arch + ".expert_count", 0);
            this.is70B = arch.equals("llama") && nLayer == 80 && nHead != nHeadKv;
            this.hasOutput = tensors.stream().anyMatch(t -> t.name().equals("output.weight"));
            this.nAttentionWv = (int) tensors.stream().map(Tensor::name)
                    .filter(n -> n.contains("attn_v.weight") || n.contains("attn_qkv.weight") || n.contains("attn_kv_b.weight"))
                    .count();
        }

        /** A head count may be per layer (an array); the first layer's decides, as hparams.n_gqa(). */
        private static long firstOf(GgufMetadata meta, String key) {
            return meta.type(key) == GgufType.ARRAY ? meta.getIntArray(key)[0] : meta.getLong(key);
        }

        private static boolean useMoreBits(int iLayer, int nLayers) {
            return iLayer < nLayers / 8 || iLayer >= 7 * nLayers / 8 || (iLayer - nLayers / 8) % 3 == 2;
        }

        private int layer(int counter, String name) {
            if (nExpert <= 1) {
                return counter;
            }
            int l = layerOf(name);
            if (l < 0 || l >= nLayer) {
                throw new IllegalArgumentException("tensor '" + name + "': no layer in [0, " + nLayer + ") in its name");
            }
            return l;
        }

        /** The type for {@code t} in place of the mix's {@code type}; {@code null}: keep its own. */
        GgmlType choose(Tensor t, GgmlType type) {
            String name = t.name();
            long ne0 = t.ne(0);
            boolean falcon = arch.equals("falcon");
            if (name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"))) {
                if (falcon || ne0 % type.blockSize != 0) {
                    type = GgmlType.Q8_0;
                } else if (type != GgmlType.Q8_0) {
                    type = GgmlType.Q6_K;
                }
            } else if (name.equals("token_embd.weight")) {
                // the IQ mixes alone change it
            } else if (name.contains("attn_v.weight")) {
                type = attentionV(type);
                iAttentionWv++;
            } else if (name.contains("attn_k.weight")) {
                if (nExpert == 8) {
                    type = GgmlType.Q8_0;
                }
            } else if (name.contains("attn_q.weight")) {
                // the IQ mixes alone change it
            } else if (name.contains("ffn_down")) {
                type = ffnDown(type, layer(iFfnDown, name), falcon);
                iFfnDown++;
            } else if (name.contains("attn_output.weight")) {
                type = attentionOutput(type, falcon);
            } else if (name.contains("attn_qkv.weight")) {
                type = switch (ftype) {
                    case Q3_K_M, Q3_K_L -> GgmlType.Q4_K;
                    case Q4_K_M -> GgmlType.Q5_K;
                    case Q5_K_M -> GgmlType.Q6_K;
                    default -> type;
                };
            }
            return fallback(type, ne0);
        }

        private GgmlType attentionV(GgmlType type) {
            switch (ftype) {
                case Q2_K -> type = nGqa >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K;
                case Q3_K_M -> type = iAttentionWv < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
                case Q3_K_L -> type = GgmlType.Q5_K;
                case Q4_K_M, Q5_K_M -> {
                    if (useMoreBits(iAttentionWv, nAttentionWv)) {
                        type = GgmlType.Q6_K;
                    }
                }
                case Q4_K_S -> {
                    if (iAttentionWv < 4) {
                        type = GgmlType.Q5_K;
                    }
                }
                default -> {
                }
            }
            if (is70B && (type == GgmlType.Q3_K || type == GgmlType.Q4_K)) {
                type = GgmlType.Q5_K; // 8 heads share attn_v: more bits for little size
            }
            return nExpert == 8 ? GgmlType.Q8_0 : type;
        }

        private GgmlType ffnDown(GgmlType type, int iLayer, boolean falcon) {
            return switch (ftype) {
                case Q2_K -> GgmlType.Q3_K;
                case Q3_K_M -> iLayer < nLayer / 16 ? GgmlType.Q5_K
                        : !falcon || useMoreBits(iLayer, nLayer) ? GgmlType.Q4_K : GgmlType.Q3_K;
                case Q3_K_L -> falcon ? GgmlType.Q4_K : GgmlType.Q5_K;
                case Q4_K_M -> falcon
                        ? (iLayer < nLayer / 16 ? GgmlType.Q6_K : useMoreBits(iLayer, nLayer) ? GgmlType.Q5_K : GgmlType.Q4_K)
                        : (useMoreBits(iLayer, nLayer) ? GgmlType.Q6_K : type);
                case Q5_K_M -> useMoreBits(iLayer, nLayer) ? GgmlType.Q6_K : type;
                case Q4_K_S -> !falcon && iLayer < nLayer / 8 ? GgmlType.Q5_K : type;
                default -> type;
            };
        }

        private GgmlType attentionOutput(GgmlType type, boolean falcon) {
            if (falcon) {
                return ftype == FileType.Q3_K_L ? GgmlType.Q4_K : type;
            }
            if (nExpert == 8) {
                return switch (ftype) {
                    case Q2_K, Q3_K_S, Q3_K_M, Q4_K_S, Q4_K_M -> GgmlType.Q5_K;
                    default -> type;
                };
            }
            return switch (ftype) {
                case Q2_K -> GgmlType.Q3_K;
                case Q3_K_M -> GgmlType.Q4_K;
                case Q3_K_L -> GgmlType.Q5_K;
                default -> type;
            };
        }

        /**
         * A type whose blocks do not divide a row falls back to a 32-block type, then to F16; {@code null}
         * (the tensor stays as it is) where llama-quantize has no fallback and gives up, e.g. the
         * 3-wide depthwise convolutions of an LDPv2 projector.
         */
        private static GgmlType fallback(GgmlType type, long ne0) {
            if (ne0 % type.blockSize == 0) {
                return type;
            }
            GgmlType smaller = switch (type) {
                case Q2_K, Q3_K -> GgmlType.IQ4_NL;
                case Q4_K -> GgmlType.Q5_0;
                case Q5_K -> GgmlType.Q5_1;
                case Q6_K -> GgmlType.Q8_0;
                default -> null;
            };
            if (smaller == null) {
                return null;
            }
            return ne0 % smaller.blockSize == 0 ? smaller : GgmlType.F16;
        }
    }
}
