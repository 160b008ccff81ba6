package org.mlm4j.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Quantize;
import org.mlm4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufWriterTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void metadataOfEveryTypeRoundTrips() throws IOException {
        GgufArray nested = GgufArray.ofArrays(GgufArray.ofInts(1, 2, 3), GgufArray.ofStrings("a", "é"),
                GgufArray.ofArrays(GgufArray.ofFloats(0.5f)), GgufArray.of(GgufType.UINT8, List.of()));
        Path p = dir.resolve("kv.gguf");
        new GgufWriter()
                .put("u8", GgufType.UINT8, 255)
                .put("i8", GgufType.INT8, -128)
                .put("u16", GgufType.UINT16, 65535)
                .put("i16", GgufType.INT16, -32768)
                .put("u32", GgufType.UINT32, 0xFFFF_FFFFL)
                .put("i32", Integer.MIN_VALUE)
                .put("f32", 1.5f)
                .put("bool", true)
                .put("str", "héllo ▁wörld")
                .put("empty", "")
                .put("u64", GgufType.UINT64, -1L)
                .put("i64", Long.MIN_VALUE)
                .put("f64", Math.PI)
                .put("arr.u8", GgufArray.of(GgufType.UINT8, List.of(0, 7, 255)))
                .put("arr.i16", GgufArray.of(GgufType.INT16, List.of(-1, 2)))
                .put("arr.u32", GgufArray.of(GgufType.UINT32, List.of(0L, 0xFFFF_FFFFL)))
                .put("arr.bool", GgufArray.of(GgufType.BOOL, List.of(true, false)))
                .put("arr.f64", GgufArray.ofDoubles(1e300, -0.0))
                .put("arr.i64", GgufArray.of(GgufType.INT64, List.of(Long.MAX_VALUE)))
                .put("arr.str", GgufArray.ofStrings("<unk>", "<s>", ""))
                .put("arr.nested", nested)
                .write(p);

        try (GgufFile f = GgufFile.open(p)) {
            GgufMetadata m = f.metadata();
            assertThat(f.version()).isEqualTo(3);
            assertThat(m.keys()).startsWith("u8", "i8", "u16", "i16", "u32", "i32").contains("arr.nested");
            assertThat(m.getInt("u8")).isEqualTo(255);
            assertThat(m.getInt("i8")).isEqualTo(-128);
            assertThat(m.getInt("u16")).isEqualTo(65535);
            assertThat(m.getInt("i16")).isEqualTo(-32768);
            assertThat(m.getLong("u32")).isEqualTo(0xFFFF_FFFFL);
            assertThat(m.getInt("i32")).isEqualTo(Integer.MIN_VALUE);
            assertThat(m.getFloat("f32")).isEqualTo(1.5f);
            assertThat(m.getBoolean("bool")).isTrue();
            assertThat(m.getString("str")).isEqualTo("héllo ▁wörld");
            assertThat(m.getString("empty")).isEmpty();
            assertThat(m.get("u64")).isEqualTo(-1L);
            assertThat(m.getLong("i64")).isEqualTo(Long.MIN_VALUE);
            assertThat(m.getDouble("f64")).isEqualTo(Math.PI);
            assertThat(m.getIntArray("arr.u8")).containsExactly(0, 7, 255);
            assertThat(m.getIntArray("arr.i16")).containsExactly(-1, 2);
            assertThat(m.getArray("arr.u32").toLongArray()).containsExactly(0L, 0xFFFF_FFFFL);
            assertThat(m.getArray("arr.bool")).containsExactly(true, false);
            assertThat(m.getArray("arr.f64")).containsExactly(1e300, -0.0);
            assertThat(m.getArray("arr.i64").toLongArray()).containsExactly(Long.MAX_VALUE);
            assertThat(m.getStringArray("arr.str")).containsExactly("<unk>", "<s>", "");
            assertThat(m.getArray("arr.nested")).isEqualTo(nested);
            assertThat(((GgufArray) m.getArray("arr.nested").get(1)).elementType()).isEqualTo(GgufType.STRING);
            for (String key : m.keys()) {
                assertThat(m.type(key)).as(key).isEqualTo(switch (key) {
                    case "u8" -> GgufType.UINT8;
                    case "i8" -> GgufType.INT8;
                    case "u16" -> GgufType.UINT16;
                    case "i16" -> GgufType.INT16;
                    case "u32" -> GgufType.UINT32;
                    case "i32" -> GgufType.INT32;
                    case "f32" -> GgufType.FLOAT32;
                    case "bool" -> GgufType.BOOL;
                    case "str", "empty" -> GgufType.STRING;
                    case "u64" -> GgufType.UINT64;
                    case "i64" -> GgufType.INT64;
                    case "f64" -> GgufType.FLOAT64;
                    default -> GgufType.ARRAY;
                });
            }
            // Copying the metadata to another file keeps every type and value.
            Path copy = dir.resolve("copy.gguf");
            new GgufWriter().putAll(m).write(copy);
            try (GgufFile g = GgufFile.open(copy)) {
                assertThat(g.metadata().asMap()).isEqualTo(m.asMap());
                for (String key : m.keys()) {
                    assertThat(g.metadata().type(key)).isEqualTo(m.type(key));
                }
            }
            assertThat(Files.mismatch(p, copy)).isEqualTo(-1L);
        }
    }

    @Test
    void tensorsOfEveryKindRoundTripAtTheirAlignment() throws IOException {
        Random rnd = new Random(1);
        float[] f32 = new float[3 * 5];
        for (int i = 0; i < f32.length; i++) {
            f32[i] = (float) rnd.nextGaussian();
        }
        float[] halfExact = {1f, -2f, 0.5f, 65504f};
        byte[] q8 = new byte[2 * GgmlType.Q8_0.typeSize];
        rnd.nextBytes(q8);
        float[] large = new float[32 * 1024 * 40]; // Q8_0 bytes larger than the writer's buffer
        for (int i = 0; i < large.length; i++) {
            large[i] = (float) rnd.nextGaussian();
        }
        int streamedRows = 7;
        Path p = dir.resolve("t.gguf");
        new GgufWriter()
                .alignment(64)
                .put("general.architecture", "test")
                .addTensor("f32", GgmlType.F32, new long[] {3, 5}, f32)
                .addTensor("f16", GgmlType.F16, new long[] {4}, halfExact)
                .addTensor("bf16", GgmlType.BF16, new long[] {4}, halfExact)
                .addTensor("q8_0", GgmlType.Q8_0, new long[] {32, 2}, q8)
                .addTensor("q4_k", GgmlType.Q4_K, new long[] {256, 1}, java.util.Arrays.copyOf(large, 256))
                .addTensor("large", GgmlType.Q8_0, new long[] {32 * 1024, 40}, large)
                .addTensor("streamed", GgmlType.F32, new long[] {16, streamedRows}, sink -> {
                    for (int r = 0; r < streamedRows; r++) {
                        float[] row = new float[16];
                        java.util.Arrays.fill(row, r);
                        sink.writeFloats(GgmlType.F32, row, 0, row.length);
                    }
                })
                .addTensor("zeros", GgmlType.I8, new long[] {3}, sink -> sink.writeZeros(3))
                .write(p);

        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.alignment()).isEqualTo(64);
            assertThat(f.dataOffset() % 64).isZero();
            assertThat(f.tensors().keySet()).containsExactly("f32", "f16", "bf16", "q8_0", "q4_k", "large", "streamed", "zeros");
            for (String name : f.tensors().keySet()) {
                assertThat(f.tensorOffset(name) % 64).as(name).isZero();
            }
            Tensor t = f.tensor("f32");
            assertThat(t.shape()).containsExactly(3, 5);
            assertThat(t.data().toArray(F32)).containsExactly(f32);
            assertThat(f.tensor("f16").data().toArray(I16))
                    .containsExactly(Float.floatToFloat16(1f), Float.floatToFloat16(-2f), Float.floatToFloat16(0.5f),
                            Float.floatToFloat16(65504f));
            // bf16 keeps the top half of the f32 bits of values that are exact in bf16
            assertThat(f.tensor("bf16").data().toArray(I16))
                    .containsExactly((short) 0x3f80, (short) 0xc000, (short) 0x3f00, (short) (Float.floatToIntBits(65504f) + 0x8000 >>> 16));
            assertThat(f.tensor("q8_0").data().toArray(ValueLayout.JAVA_BYTE)).containsExactly(q8);
            assertThat(f.tensor("q8_0").type()).isEqualTo(GgmlType.Q8_0);
            assertThat(f.tensor("q4_k").data().toArray(ValueLayout.JAVA_BYTE))
                    .containsExactly(Quantize.toBytes(GgmlType.Q4_K, large, 0, 256));
            assertThat(f.tensor("large").data().toArray(ValueLayout.JAVA_BYTE))
                    .containsExactly(Quantize.toBytes(GgmlType.Q8_0, large, 0, large.length));
            assertThat(f.tensor("streamed").row(6).get(F32, 15 * 4)).isEqualTo(6f);
            assertThat(f.tensor("zeros").data().toArray(ValueLayout.JAVA_BYTE)).containsExactly(0, 0, 0);

            // Re-writing every tensor of the file reproduces it byte for byte.
            Path copy = dir.resolve("copy.gguf");
            GgufWriter w = new GgufWriter().putAll(f.metadata());
            f.tensors().values().forEach(w::addTensor);
            w.write(copy);
            assertThat(Files.mismatch(p, copy)).isEqualTo(-1L);
        }
    }

    @Test
    void rejectsWhatGgmlCannotRead() {
        GgufWriter w = new GgufWriter().addTensor("a", GgmlType.F32, new long[] {2}, new float[2]);
        assertThatThrownBy(() -> w.addTensor("a", GgmlType.F32, new long[] {2}, new float[2]))
                .hasMessageContaining("duplicate tensor name 'a'");
        assertThatThrownBy(() -> w.addTensor("x".repeat(64), GgmlType.F32, new long[] {1}, new float[1]))
                .hasMessageContaining("tensor name");
        assertThatThrownBy(() -> w.addTensor("q", GgmlType.Q4_0, new long[] {16}, new byte[9]))
                .hasMessageContaining("not a whole number of q4_0 blocks");
        assertThatThrownBy(() -> w.addTensor("b", GgmlType.F32, new long[] {3}, new float[2]))
                .hasMessageContaining("2 values given");
        assertThatThrownBy(() -> w.addTensor("c", GgmlType.IQ2_XXS, new long[] {256}, new float[256]))
                .hasMessageContaining("cannot quantize to iq2_xxs");
        assertThatThrownBy(() -> w.addTensor("d", GgmlType.F32, new long[] {1, 2, 3, 4, 5}, new float[120]))
                .hasMessageContaining("rank 5");
        assertThatThrownBy(() -> w.addTensor("e", GgmlType.F32, new long[] {1L << 40, 1L << 40}, s -> { }))
                .hasMessageContaining("overflows");
        assertThatThrownBy(() -> w.alignment(48)).hasMessageContaining("power-of-two");
        assertThatThrownBy(() -> w.put("general.alignment", 32)).hasMessageContaining("u32");
        assertThatThrownBy(() -> w.put("k", GgufType.UINT8, 256)).hasMessageContaining("does not fit a GGUF u8");
        assertThatThrownBy(() -> w.put("k", GgufType.STRING, 1)).hasMessageContaining("not a GGUF str");
        assertThatThrownBy(() -> w.put("k", new int[0])).hasMessageContaining("no GGUF type");
    }

    @Test
    void replacesAnExistingFileWithTheUsualPermissions() throws IOException {
        Path p = dir.resolve("model.gguf");
        Path reference = Files.writeString(dir.resolve("reference.txt"), "x");
        Files.writeString(p, "old");
        new GgufWriter().put("k", 1).write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.metadata().getInt("k")).isEqualTo(1);
        }
        assertThat(Files.getPosixFilePermissions(p)).isEqualTo(Files.getPosixFilePermissions(reference));
        assertThat(dir).isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void aTensorThatWritesTheWrongByteCountFailsAndLeavesNoFile() {
        Path p = dir.resolve("short.gguf");
        GgufWriter w = new GgufWriter().addTensor("t", GgmlType.F32, new long[] {4}, sink -> sink.write(new byte[12]));
        assertThatThrownBy(() -> w.write(p)).hasMessageContaining("tensor 't': 12 bytes written, f32[4] takes 16");
        assertThat(dir).isEmptyDirectory();
    }
}
