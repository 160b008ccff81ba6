package org.mlm4j.gguf;

import org.mlm4j.tensor.Dequantize;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Quantize;
import org.mlm4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * Writes a GGUF model with the tensor types of a {@link QuantizationPlan}, as {@code llama-quantize}
 * does: the metadata is copied, {@code general.quantization_version} (2) and {@code general.file_type}
 * are set (moved to the end, as gguf_set_val does), split keys are dropped, and tensors follow in the
 * plan's order. Converted tensors are read from the mapped input a few MB of rows at a time and
 * quantized with ggml's reference quantizers (what llama-quantize runs without an importance
 * matrix), on all cores; the others are copied as they are. The input is never written.
 */
public final class ModelQuantizer {
    /** ggml's GGML_QNT_VERSION: the block layouts of the quantized types. */
    public static final int QUANTIZATION_VERSION = 2;

    /** Told after each tensor: bytes of input done so far out of the total. */
    @FunctionalInterface
    public interface Progress {
        void tensorDone(int index, int count, long inputBytesDone, long inputBytesTotal);
    }

    /** Output bytes converted per step: bounds the heap used, whatever the tensor's size. */
    private static final long CHUNK_BYTES = 4L << 20;

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
                    convert(t, e.to(), sink);
                } else {
                    sink.write(t.data());
                }
                done[0] += t.data().byteSize();
                progress.tensorDone(++index[0], count, done[0], inputTotal);
            });
        }
        w.write(out);
    }

    /**
     * Converts {@code t} to {@code to} a chunk of rows at a time, the rows of a chunk on all cores
     * (each row is quantized on its own, so the bytes do not depend on the split).
     */
    private static void convert(Tensor t, GgmlType to, GgufWriter.Sink sink) throws IOException {
        int cols = t.cols();
        long rowBytes = to.byteSize(cols);
        int rowsPerChunk = (int) Math.max(1, Math.min(t.rows(), CHUNK_BYTES / Math.max(1, rowBytes)));
        byte[] chunk = new byte[Math.toIntExact(rowsPerChunk * rowBytes)];
        MemorySegment chunkSegment = MemorySegment.ofArray(chunk);
        ThreadLocal<float[]> rowValues = ThreadLocal.withInitial(() -> new float[cols]);
        for (long first = 0; first < t.rows(); first += rowsPerChunk) {
            long start = first;
            int n = (int) Math.min(rowsPerChunk, t.rows() - first);
            IntStream.range(0, n).parallel().forEach(i -> {
                float[] row = rowValues.get();
                Dequantize.row(t, start + i, row, 0);
                Quantize.row(to, row, 0, cols, chunkSegment, i * rowBytes);
            });
            sink.write(chunk, 0, (int) (n * rowBytes));
        }
    }
}
