package org.mlm4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.testing.TestData;

/**
 * Checks the reference quantizers and dequantizers against files llama.cpp made
 * ({@code testdata/oracle/text/models}, see its README): each quantized file was written by
 * {@code llama-quantize <F32 file> <out> <TYPE>} without an importance matrix, so every Q8_0/Q4_0
 * tensor is {@code quantize_row_*_ref} of the F32 file's tensor, and dequantizing it must give back
 * values close to the originals. The F32 file holds fp16-rounded values, so F16 is exact.
 */
class OracleQuantTest {
    private static final String MODELS = "oracle/text/models/";

    @ParameterizedTest
    @ValueSource(strings = {"llama_e128-Q8_0", "llama_e128-Q4_0", "llama_e128-F16", "phi2_e128-Q8_0", "mamba_e128-Q8_0"})
    void requantizingTheF32WeightsGivesLlamaQuantizesBytes(String model) throws IOException {
        String base = model.substring(0, model.indexOf('-'));
        List<String> checked = new ArrayList<>();
        try (GgufFile quantized = GgufFile.open(TestData.path(MODELS + model + ".gguf"));
             GgufFile f32 = GgufFile.open(TestData.path(MODELS + base + "-F32.gguf"))) {
            for (Map.Entry<String, Tensor> e : quantized.tensors().entrySet()) {
                Tensor q = e.getValue();
                Tensor original = f32.tensor(e.getKey());
                assertThat(original.type()).isEqualTo(GgmlType.F32);
                float[] values = Dequantize.toFloatArray(original);
                byte[] ours = Quantize.toBytes(q.type(), values, 0, values.length);
                assertThat(ours).as("%s of %s", q, model).isEqualTo(q.data().toArray(LittleEndian.BYTE));
                checked.add(q.type().ggmlName());
            }
        }
        assertThat(checked).as("quantized tensors of " + model).anyMatch(t -> !t.equals("f32"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama_e128-Q8_0", "llama_e128-Q4_0", "llama_e128-F16", "phi2_e128-Q8_0", "mamba_e128-Q8_0"})
    void dequantizedWeightsAreCloseToTheOriginals(String model) throws IOException {
        String base = model.substring(0, model.indexOf('-'));
        try (GgufFile quantized = GgufFile.open(TestData.path(MODELS + model + ".gguf"));
             GgufFile f32 = GgufFile.open(TestData.path(MODELS + base + "-F32.gguf"))) {
            for (Tensor q : quantized.tensors().values()) {
                float[] original = Dequantize.toFloatArray(f32.tensor(q.name()));
                float[] whole = Dequantize.toFloatArray(q);
                float[] byRow = new float[whole.length];
                for (long r = 0; r < q.rows(); r++) {
                    Dequantize.row(q, r, byRow, Math.toIntExact(r * q.cols()));
                }
                assertThat(byRow).as("row by row equals whole tensor: %s", q).isEqualTo(whole);
                // each format's error bound: half a quantization step (a whole one for Q4_0, whose levels
                // -8..7 stop one step short of -max), plus the fp16 rounding of the block scale d
                // (relative error <= 2^-11) times the largest level
                int block = q.type().blockSize;
                int levels = switch (q.type()) {
                    case F32, F16 -> 0;
                    case Q8_0 -> 127;
                    case Q4_0 -> 8;
                    default -> throw new AssertionError("no bound for " + q.type());
                };
                float steps = q.type() == GgmlType.Q4_0 ? 1f : 0.5f;
                for (int b = 0; b < whole.length / block; b++) {
                    float amax = 0;
                    for (int j = 0; j < block; j++) {
                        amax = Math.max(amax, Math.abs(original[b * block + j]));
                    }
                    float step = levels == 0 ? 0 : amax / levels;
                    float bound = step * (steps + levels * 0x1p-11f) * 1.0001f;
                    for (int j = 0; j < block; j++) {
                        int i = b * block + j;
                        assertThat(Math.abs(whole[i] - original[i])).as("%s value %d", q, i).isLessThanOrEqualTo(bound);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama_e128-Q4_0", "llama_e128-Q8_0"})
    void tensorDataIsReadInPlace(String model) throws IOException {
        try (GgufFile file = GgufFile.open(TestData.path(MODELS + model + ".gguf"))) {
            Tensor t = file.tensor("token_embd.weight");
            MemorySegment row = t.row(t.rows() - 1);
            assertThat(row.isMapped()).isTrue();
            float[] last = new float[t.cols()];
            Dequantize.row(t.type(), row, 0, last, 0, t.cols());
            float[] all = Dequantize.toFloatArray(t);
            assertThat(last).containsExactly(java.util.Arrays.copyOfRange(all, all.length - t.cols(), all.length));
        }
    }
}
