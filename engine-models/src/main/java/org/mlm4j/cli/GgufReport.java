package org.mlm4j.cli;

import org.mlm4j.gguf.GgufArray;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.gguf.GgufMetadata;
import org.mlm4j.gguf.GgufType;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Tensor;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code inspect} shows of a GGUF file: the architecture, its key hyper-parameters (named as
 * llama.cpp's model loader prints them), every metadata key, the tensor table, totals and bytes
 * per tensor type; as text or as a JSON tree.
 */
final class GgufReport {
    /** Hyper-parameters stored under the architecture's prefix ({@code llama.}, {@code clip.vision.}, ...). */
    private static final String[][] HYPER_PARAMETERS = {
            {"n_ctx_train", "context_length"},
            {"n_embd", "embedding_length"},
            {"n_layer", "block_count"},
            {"n_ff", "feed_forward_length"},
            {"n_head", "attention.head_count"},
            {"n_head_kv", "attention.head_count_kv"},
            {"n_rot", "rope.dimension_count"},
            {"rope_freq_base", "rope.freq_base"},
            {"n_ctx_orig", "rope.scaling.original_context_length"},
            {"n_swa", "attention.sliding_window"},
            {"f_norm_eps", "attention.layer_norm_epsilon"},
            {"f_norm_rms_eps", "attention.layer_norm_rms_epsilon"},
            {"ssm_d_conv", "ssm.conv_kernel"},
            {"ssm_d_inner", "ssm.inner_size"},
            {"ssm_d_state", "ssm.state_size"},
            {"ssm_dt_rank", "ssm.time_step_rank"},
            {"ssm_dt_b_c_rms", "ssm.dt_b_c_rms"},
            {"image_size", "image_size"},
            {"patch_size", "patch_size"},
            {"projection_dim", "projection_dim"},
            {"image_mean", "image_mean"},
            {"image_std", "image_std"},
            {"feature_layer", "feature_layer"},
    };
    /** CLIP keys outside {@code clip.vision.}. */
    private static final String[][] CLIP_HYPER_PARAMETERS = {
            {"projector_type", "clip.projector_type"},
            {"use_gelu", "clip.use_gelu"},
            {"use_silu", "clip.use_silu"},
    };
    private static final int ARRAY_SHOWN_WHOLE = 8;
    private static final int ARRAY_HEAD = 3;
    private static final int STRING_SHOWN = 60;

    private final GgufFile file;
    private final GgufMetadata meta;
    private final String architecture;

    GgufReport(GgufFile file) {
        this.file = file;
        this.meta = file.metadata();
        this.architecture = meta.contains("general.architecture") && meta.type("general.architecture") == GgufType.STRING
                ? meta.getString("general.architecture") : null;
    }

    /** The architecture's key hyper-parameters that the file holds, by llama.cpp's names. */
    Map<String, Object> hyperParameters() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (architecture == null) {
            return out;
        }
        boolean clip = architecture.equals("clip");
        String prefix = clip ? "clip.vision." : architecture + ".";
        if (meta.contains(prefix + "vocab_size")) {
            out.put("n_vocab", meta.get(prefix + "vocab_size"));
        } else if (meta.contains("tokenizer.ggml.tokens") && meta.type("tokenizer.ggml.tokens") == GgufType.ARRAY) {
            out.put("n_vocab", meta.getArray("tokenizer.ggml.tokens").size());
        }
        for (String[] p : HYPER_PARAMETERS) {
            if (meta.contains(prefix + p[1])) {
                out.put(p[0], meta.get(prefix + p[1]));
            }
        }
        if (clip) {
            for (String[] p : CLIP_HYPER_PARAMETERS) {
                if (meta.contains(p[1])) {
                    out.put(p[0], meta.get(p[1]));
                }
            }
        }
        return out;
    }

    /** Tensor count, parameters and bytes, per type (largest share first) and in total ({@code null} key). */
    Map<GgmlType, long[]> byType() {
        Map<GgmlType, long[]> types = new LinkedHashMap<>();
        for (Tensor t : file.tensors().values()) {
            long[] c = types.computeIfAbsent(t.type(), k -> new long[3]);
            c[0]++;
            c[1] += t.elementCount();
            c[2] += t.data().byteSize();
        }
        return types.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<GgmlType, long[]> e) -> -e.getValue()[2]))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
    }

    long[] totals() {
        long[] total = new long[3];
        for (long[] c : byType().values()) {
            for (int i = 0; i < 3; i++) {
                total[i] += c[i];
            }
        }
        return total;
    }

    // ------------------------------------------------------------------ JSON

    Map<String, Object> toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("file", file.path().toString());
        root.put("file_size", file.fileSize());
        root.put("gguf_version", file.version());
        root.put("alignment", file.alignment());
        root.put("data_offset", file.dataOffset());
        root.put("architecture", architecture);
        Map<String, Object> hyper = new LinkedHashMap<>();
        hyperParameters().forEach((k, v) -> hyper.put(k, jsonValue(v)));
        root.put("hyperparameters", hyper);
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (String key : meta.keys()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("type", typeName(key));
            Object v = meta.get(key);
            if (v instanceof GgufArray a && a.size() > ARRAY_SHOWN_WHOLE) {
                entry.put("length", a.size());
                entry.put("first", a.subList(0, ARRAY_HEAD).stream().map(GgufReport::jsonValue).toList());
            } else {
                entry.put("value", meta.type(key) == GgufType.UINT64 ? unsigned((Long) v) : jsonValue(v));
            }
            metadata.put(key, entry);
        }
        root.put("metadata", metadata);
        List<Object> tensors = new ArrayList<>();
        for (Tensor t : file.tensors().values()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", t.name());
            row.put("type", t.type().ggmlName());
            row.put("shape", Arrays.stream(t.shape()).boxed().toList());
            row.put("parameters", t.elementCount());
            row.put("bytes", t.data().byteSize());
            row.put("offset", file.tensorOffset(t.name()));
            tensors.add(row);
        }
        root.put("tensors", tensors);
        root.put("totals", counts(totals()));
        Map<String, Object> types = new LinkedHashMap<>();
        byType().forEach((type, c) -> types.put(type.ggmlName(), counts(c)));
        root.put("types", types);
        return root;
    }

    private static Map<String, Object> counts(long[] c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tensors", c[0]);
        m.put("parameters", c[1]);
        m.put("bytes", c[2]);
        return m;
    }

    private static Object jsonValue(Object v) {
        if (v instanceof GgufArray a) {
            return a.size() > ARRAY_SHOWN_WHOLE ? Map.of("length", a.size()) : a.stream().map(GgufReport::jsonValue).toList();
        }
        return v;
    }

    private static Object unsigned(long v) {
        return v >= 0 ? v : new BigInteger(Long.toUnsignedString(v));
    }

    // ------------------------------------------------------------------ text

    String toText() {
        StringBuilder out = new StringBuilder();
        long[] total = totals();
        out.append(String.format(Locale.ROOT, "%s: GGUF v%d, %d bytes, %d metadata keys, %d tensors, data at byte %d (alignment %d)%n",
                file.path().getFileName(), file.version(), file.fileSize(), meta.size(), total[0], file.dataOffset(), file.alignment()));
        out.append("architecture: ").append(architecture == null ? "(none)" : architecture);
        if (meta.contains("general.name") && meta.type("general.name") == GgufType.STRING) {
            out.append(" (general.name ").append(text(meta.getString("general.name"))).append(')');
        }
        out.append("\n\n");

        Map<String, Object> hyper = hyperParameters();
        if (!hyper.isEmpty()) {
            out.append("hyper-parameters:\n");
            List<String[]> hyperRows = new ArrayList<>();
            hyper.forEach((k, v) -> hyperRows.add(new String[] {k, text(v)}));
            table(out, hyperRows, Integer.MAX_VALUE);
            out.append('\n');
        }

        out.append("metadata (").append(meta.size()).append(" keys):\n");
        List<String[]> rows = new ArrayList<>();
        for (String key : meta.keys()) {
            Object v = meta.get(key);
            rows.add(new String[] {key, typeName(key), meta.type(key) == GgufType.UINT64 ? Long.toUnsignedString((Long) v) : text(v)});
        }
        table(out, rows, Integer.MAX_VALUE);
        out.append('\n');

        if (!file.tensors().isEmpty()) {
            out.append("tensors (").append(file.tensors().size()).append("):\n");
            List<String[]> tensorRows = new ArrayList<>();
            tensorRows.add(new String[] {"name", "type", "shape", "parameters", "bytes", "offset"});
            for (Tensor t : file.tensors().values()) {
                tensorRows.add(new String[] {t.name(), t.type().ggmlName(),
                        Arrays.stream(t.shape()).mapToObj(Long::toString).collect(Collectors.joining(" x ")),
                        Long.toString(t.elementCount()), Long.toString(t.data().byteSize()),
                        Long.toString(file.tensorOffset(t.name()))});
            }
            table(out, tensorRows, 3);
            out.append('\n');
        }

        out.append(String.format(Locale.ROOT, "total: %d tensors, %d parameters, %d bytes (%s)%s%n", total[0], total[1], total[2],
                humanBytes(total[2]), total[1] > 0 ? String.format(Locale.ROOT, ", %.2f bits per parameter", 8.0 * total[2] / total[1]) : ""));
        if (total[0] > 0) {
            out.append("by type:\n");
            List<String[]> typeRows = new ArrayList<>();
            typeRows.add(new String[] {"type", "tensors", "parameters", "bytes", "share"});
            byType().forEach((type, c) -> typeRows.add(new String[] {type.ggmlName(), Long.toString(c[0]), Long.toString(c[1]),
                    Long.toString(c[2]), String.format(Locale.ROOT, "%.1f%%", total[2] == 0 ? 0.0 : 100.0 * c[2] / total[2])}));
            table(out, typeRows, 1);
        }
        return out.toString();
    }

    /** The type of {@code key} as printed: {@code u32}, {@code str}, {@code arr[f32]}. */
    private String typeName(String key) {
        GgufType t = meta.type(key);
        return t == GgufType.ARRAY ? "arr[" + meta.getArray(key).elementType().shortName() + "]" : t.shortName();
    }

    /** A value on one line: strings quoted and cut, long arrays as {@code [512 strings: "<unk>", "<s>", ...]}. */
    private static String text(Object v) {
        if (v instanceof String s) {
            String escaped = escape(s);
            return escaped.length() <= STRING_SHOWN ? '"' + escaped + '"'
                    : '"' + escaped.substring(0, STRING_SHOWN) + "...\" (" + s.length() + " chars)";
        }
        if (v instanceof GgufArray a) {
            if (a.size() <= ARRAY_SHOWN_WHOLE) {
                return a.stream().map(GgufReport::text).collect(Collectors.joining(", ", "[", "]"));
            }
            String what = switch (a.elementType()) {
                case STRING -> "strings";
                case ARRAY -> "arrays";
                case BOOL -> "bools";
                default -> a.elementType().shortName();
            };
            return a.subList(0, ARRAY_HEAD).stream().map(GgufReport::text)
                    .collect(Collectors.joining(", ", "[" + a.size() + " " + what + ": ", ", ...]"));
        }
        return String.valueOf(v);
    }

    /** {@code s} with quotes, backslashes and control characters escaped, so that it stays on one line. */
    private static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"', '\\' -> out.append('\\').append(c);
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** Rows in aligned columns, indented by two; columns from {@code numbersFrom} on are right-aligned. */
    private static void table(StringBuilder out, List<String[]> rows, int numbersFrom) {
        int[] width = new int[rows.getFirst().length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder(" ");
            for (int i = 0; i < r.length; i++) {
                String fill = " ".repeat(width[i] - r[i].length());
                line.append(' ').append(i >= numbersFrom ? fill + r[i] : r[i] + fill).append(' ');
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String humanBytes(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
