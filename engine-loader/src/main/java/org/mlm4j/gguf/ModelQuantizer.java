package org.mlm4j.gguf;

import org.mlm4j.tensor.Dequantize;
import org.mlm4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a GGUF model with the tensor types of a {@link QuantizationPlan}, as {@code llama-quantize}
 * does: the metadata is copied, {@code general.quantization_version} (2) and {@code general.file_type}
 * are set (moved to the end, as gguf_set_val does), split keys are dropped, and tensors follow in the
 * plan's order. Converted tensors are read row by row from the mapped input and quantized with
 * ggml's reference quantizers (what llama-quantize runs without an importance matrix), so only one
 * row is on the heap at a time; the others are copied as they are. The input is never written.
 */
public final class ModelQuantizer {
    /** ggml's GGML_QNT_VERSION: the block layouts of the quantized types. */
    public static final int QUANTIZATION_VERSION = 2;

    /** Told after each tensor: bytes of input done so far out of the total. */
    @FunctionalInterface
    public interface Progress {
        void tensorDone(int index, int count, long inputBytesDone, long inputBytesTotal);
    }

    private ModelQuantizer() {
    }

    /**
     * @throws IllegalArgumentException when {@code out} is the input file
     */
    public static void write(GgufFile in, QuantizationPlan plan, Path out, Progress progress) throws IOException {
        if (Files.exists(out) && Files.isSameFile(in.path(), out)) {
            throw new IllegalArgumentException("the output " + out + " is the input file; write to another path");
        }
        GgufWriter w = new GgufWriter().putAll(in.metadata())
                .remove("split.no").remove("split.count").remove("split.tensors.count")
                .remove("general.quantization_version").remove("general.file_type")
                .put("general.quantization_version", GgufType.UINT32, QUANTIZATION_VERSION)
                .put("general.file_type", GgufType.UINT32, plan.fileType().id);
        long total = 0;
        for (QuantizationPlan.Entry e : plan.entries()) {
            total += in.tensor(e.name()).data().byteSize();
        }
        long inputTotal = total;
        long[] done = {0};
        int[] index = {0};
        int count = plan.entries().size();
        for (QuantizationPlan.Entry e : plan.entries()) {
            Tensor t = in.tensor(e.name());
            w.addTensor(e.name(), e.to(), e.shape(), sink -> {
                if (e.converted()) {
                    float[] row = new float[t.cols()];
                    for (long r = 0; r < t.rows(); r++) {
                        Dequantize.row(t, r, row, 0);
                        sink.writeFloats(e.to(), row, 0, row.length);
                    }
                } else {
                    sink.write(t.data());
                }
                done[0] += t.data().byteSize();
                progress.tensorDone(++index[0], count, done[0], inputTotal);
            });
        }
        w.write(out);
    }
}
