package org.mlm4j.gguf;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Tensor;
import org.mlm4j.testing.TestData;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reader on real files, on files over 4 GiB, and on every kind of malformed file. */
class GgufFileTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    /** A small valid file; the tests break one field of it at a time. */
    private byte[] valid;

    @BeforeEach
    void writeValidFile() throws IOException {
        Path p = dir.resolve("valid.gguf");
        new GgufWriter()
                .put("general.architecture", "llama")
                .put("flag", true)
                .put("tokens", GgufArray.ofStrings("x", "y"))
                .put("general.alignment", GgufType.UINT32, 32)
                .addTensor("tensor.one", GgmlType.F32, new long[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8})
                .addTensor("tensor.two", GgmlType.F32, new long[] {4}, new float[] {9, 10, 11, 12})
                .write(p);
        valid = Files.readAllBytes(p);
    }

    @Test
    void readsTheRealModel() throws IOException {
        try (GgufFile f = GgufFile.open(TestData.path("models/stories260K.gguf"))) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.tensors()).hasSize(48);
            assertThat(f.metadata().size()).isEqualTo(19);
            assertThat(f.metadata().getString("general.architecture")).isEqualTo("llama");
            assertThat(f.metadata().getInt("llama.embedding_length")).isEqualTo(64);
            assertThat(f.metadata().getStringArray("tokenizer.ggml.tokens")).hasSize(512).startsWith("<unk>", "<s>", "</s>", "<0x00>");
            Tensor emb = f.tensor("token_embd.weight");
            assertThat(emb.shape()).containsExactly(64, 512);
            assertThat(emb.type()).isEqualTo(GgmlType.F32);
            // zero-copy: the tensor is a read-only slice of the mapping
            assertThat(emb.data().isMapped()).isTrue();
            assertThat(emb.data().isReadOnly()).isTrue();
            assertThat(f.tensorOffset("token_embd.weight") % f.alignment()).isZero();
            // output.weight is a byte-identical copy of token_embd.weight (PROVENANCE.md)
            assertThat(emb.data().mismatch(f.tensor("output.weight").data())).isEqualTo(-1L);
            assertThatThrownBy(() -> f.tensor("nope")).hasMessageContaining("tensor 'nope' not found in stories260K.gguf");
        }
    }

    @Test
    void readsAStreamIntoReadOnlyNativeMemory() throws IOException {
        Path model = TestData.path("models/stories260K.gguf");
        try (GgufFile mapped = GgufFile.open(model);
             GgufFile read = GgufFile.read(Files.newInputStream(model), "bundled/stories260K.gguf")) {
            assertThat(read.path()).isEqualTo(Path.of("bundled/stories260K.gguf"));
            assertThat(read.fileSize()).isEqualTo(mapped.fileSize());
            assertThat(read.metadata().asMap()).isEqualTo(mapped.metadata().asMap());
            assertThat(read.tensors().keySet()).containsExactlyElementsOf(mapped.tensors().keySet());
            for (Tensor t : mapped.tensors().values()) {
                Tensor r = read.tensor(t.name());
                assertThat(r.data().isNative()).isTrue();
                assertThat(r.data().isReadOnly()).isTrue();
                assertThat(r.data().mismatch(t.data())).as(t.name()).isEqualTo(-1L);
            }
        }
        assertThatThrownBy(() -> GgufFile.read(new java.io.ByteArrayInputStream(new byte[] {'G', 'G'}), "x.gguf"))
                .isInstanceOf(GgufFormatException.class)
                .hasMessage(Path.of("x.gguf") + ": invalid GGUF at byte 0: file ends inside magic (4 bytes needed, 2 left)");
    }

    @Test
    void readsFilesLargerThan4GiBInPlace() throws IOException {
        Path p = dir.resolve("big.gguf");
        long hole = 5L << 30;
        try {
            new GgufWriter()
                    .addTensor("hole", GgmlType.I8, new long[] {hole}, sink -> sink.writeZeros(hole))
                    .addTensor("tail", GgmlType.F32, new long[] {4}, new float[] {1, 2, 3, 4})
                    .write(p);
            try (GgufFile f = GgufFile.open(p)) {
                assertThat(f.fileSize()).isGreaterThan(hole);
                assertThat(f.tensorOffset("tail")).isGreaterThan(hole);
                assertThat(f.tensor("tail").data().toArray(F32)).containsExactly(1, 2, 3, 4);
                MemorySegment big = f.tensor("hole").data();
                assertThat(big.byteSize()).isEqualTo(hole);
                assertThat(big.get(ValueLayout.JAVA_BYTE, hole - 1)).isZero();
                assertThat(f.tensor("hole").row(0).byteSize()).isEqualTo(hole);
            }
        } finally {
            Files.deleteIfExists(p);
        }
    }

    @Test
    void readsVersion2() {
        ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 2);
        assertThat(GgufFile.parse(MemorySegment.ofArray(valid)).version()).isEqualTo(2);
    }

    @Test
    void ioErrorsAreIOExceptions() throws IOException {
        assertThatThrownBy(() -> GgufFile.open(dir.resolve("missing.gguf"))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> GgufFile.open(dir)).isInstanceOf(IOException.class).hasMessageContaining("is a directory");
        Path empty = Files.createFile(dir.resolve("empty.gguf"));
        assertThatThrownBy(() -> GgufFile.open(empty)).isInstanceOf(GgufFormatException.class)
                .hasMessage(empty + ": invalid GGUF at byte 0: file ends inside magic (4 bytes needed, 0 left)");
    }

    @Test
    void badMagic() {
        valid[0] = 'X';
        expectInvalid(0, "not a GGUF file");
    }

    @Test
    void unsupportedVersion() {
        putU32(4, 1);
        expectInvalid(4, "unsupported GGUF version 1 (supported: 2, 3)");
        putU32(4, -1);
        expectInvalid(4, "unsupported GGUF version 4294967295");
    }

    @Test
    void bigEndianFile() {
        ByteBuffer.wrap(valid).order(ByteOrder.BIG_ENDIAN).putInt(4, 3);
        expectInvalid(4, "big-endian GGUF files are not supported");
    }

    @Test
    void countsLargerThanTheFile() {
        putU64(16, 1L << 40);
        expectInvalid(16, "key/value count 1099511627776 cannot fit");
        putU64(16, -1);
        expectInvalid(16, "key/value count 18446744073709551615 cannot fit");
        putU64(16, 4);
        putU64(8, 1_000_000);
        expectInvalid(8, "tensor count 1000000 cannot fit");
    }

    @Test
    void stringLengthLargerThanTheFile() {
        int key = find("flag") - 8;
        putU64(key, valid.length);
        expectInvalid(key, "key length " + valid.length + " is larger than the");
        putU64(key, Long.MIN_VALUE);
        expectInvalid(key, "key length 9223372036854775808 is larger than the");
    }

    @Test
    void arrayLengthLargerThanTheFileIsRejectedBeforeAllocating() {
        int length = find("tokens") + 6 + 4 + 4;
        putU64(length, Integer.MAX_VALUE - 1);
        expectInvalid(length, "array length of 'tokens' 2147483646 cannot fit");
        // a count that fits the file but claims more strings than follow fails where they end
        putU64(length, (valid.length - length) / 8 - 1);
        assertThatThrownBy(this::parse).isInstanceOf(GgufFormatException.class).hasMessageContaining("element");
    }

    @Test
    void unknownValueTypes() {
        int type = find("flag") + 4;
        putU32(type, 13);
        expectInvalid(type, "unknown value type of 'flag' 13");
        putU32(type, GgufType.BOOL.id);
        int elementType = find("tokens") + 6 + 4;
        putU32(elementType, 99);
        expectInvalid(elementType, "unknown array element type of 'tokens' 99");
    }

    @Test
    void boolOtherThanZeroOrOne() {
        int value = find("flag") + 8;
        valid[value] = 2;
        expectInvalid(value, "bool value of 'flag' is 2");
    }

    @Test
    void badAlignment() {
        int key = find("general.alignment") - 8;
        putU32(key + 8 + "general.alignment".length() + 4, 48);
        expectInvalid(key, "general.alignment must be a power-of-two u32, got u32 48");
        putU32(key + 8 + "general.alignment".length(), GgufType.INT32.id);
        putU32(key + 8 + "general.alignment".length() + 4, 32);
        expectInvalid(key, "general.alignment must be a power-of-two u32, got i32 32");
    }

    @Test
    void duplicateNames() {
        int two = find("tensor.two");
        valid[two + "tensor.".length()] = 'o';
        valid[two + "tensor.".length() + 1] = 'n';
        valid[two + "tensor.".length() + 2] = 'e';
        expectInvalid(two - 8, "duplicate tensor name 'tensor.one'");
    }

    @Test
    void duplicateKeys() throws IOException {
        Path p = dir.resolve("dup.gguf");
        new GgufWriter().put("key.a", 1).put("key.b", 2).write(p);
        valid = Files.readAllBytes(p);
        int b = find("key.b");
        valid[b + 4] = 'a';
        expectInvalid(b - 8, "duplicate metadata key 'key.a'");
    }

    @Test
    void tensorRankAndShape() {
        int rank = find("tensor.one") + "tensor.one".length();
        putU32(rank, 5);
        expectInvalid(rank, "tensor 'tensor.one' has rank 5 (at most 4)");
        putU32(rank, 2);
        putU64(rank + 4, 1L << 32);
        putU64(rank + 12, 1L << 32);
        expectInvalid(rank + 12, "tensor 'tensor.one' element count overflows");
        putU64(rank + 4, 1L << 62);
        putU64(rank + 12, 1);
        expectInvalid(find("tensor.one") - 8, "tensor 'tensor.one' byte size overflows");
        putU64(rank + 4, -4);
        expectInvalid(rank + 4, "tensor 'tensor.one' dimension 0 is 18446744073709551612");
    }

    @Test
    void tensorTypes() {
        int type = find("tensor.one") + "tensor.one".length() + 4 + 16;
        putU32(type, 1000);
        expectInvalid(type, "tensor 'tensor.one' has unknown ggml type id 1000");
        putU32(type, GgmlType.Q4_0.id);
        expectInvalid(type, "tensor 'tensor.one' row of 4 values is not a whole number of q4_0 blocks of 32");
    }

    @Test
    void tensorDataOutsideTheFileOrOverlapping() {
        int offsetOne = find("tensor.one") + "tensor.one".length() + 4 + 16 + 4;
        int offsetTwo = find("tensor.two") + "tensor.two".length() + 4 + 8 + 4;
        putU64(offsetTwo, 1L << 40);
        expectInvalid(offsetTwo, "tensor 'tensor.two' data [");
        assertThatThrownBy(this::parse).hasMessageContaining("lies outside the file (" + valid.length + " bytes)");
        putU64(offsetTwo, -32);
        expectInvalid(offsetTwo, "lies outside the file");
        putU64(offsetTwo, 8);
        expectInvalid(offsetTwo, "tensor 'tensor.two' data offset 8 is not a multiple of the alignment 32");
        putU64(offsetTwo, 0);
        expectInvalid(offsetTwo, "tensor 'tensor.two' data overlaps tensor 'tensor.one'");
        putU64(offsetTwo, 0);
        putU64(offsetOne, 32);
        assertThat(parse().tensors()).hasSize(2); // any order, as long as they do not overlap
    }

    @Test
    void everyTruncationBeforeTheLastTensorEndsFails() {
        byte[] whole = valid.clone();
        long end = GgufFile.parse(MemorySegment.ofArray(whole)).offsets().get("tensor.two") + 16;
        for (int n = 0; n < whole.length; n++) {
            long len = n;
            MemorySegment prefix = MemorySegment.ofArray(whole).asSlice(0, len);
            if (len < end) {
                assertThatThrownBy(() -> GgufFile.parse(prefix)).as("prefix %d", len).isInstanceOf(GgufFormatException.class)
                        .satisfies(e -> assertThat(((GgufFormatException) e).offset()).isBetween(0L, len));
            } else {
                assertThat(GgufFile.parse(prefix).tensors()).hasSize(2); // only the trailing padding is missing
            }
        }
    }

    @Test
    void arraysNestedTooDeep() throws IOException {
        GgufArray a = GgufArray.ofInts(1);
        for (int i = 0; i < 9; i++) {
            a = GgufArray.ofArrays(a);
        }
        Path p = dir.resolve("deep.gguf");
        new GgufWriter().put("deep", a).write(p);
        valid = Files.readAllBytes(p);
        assertThatThrownBy(this::parse).isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("arrays nested deeper than 8 in 'deep'");
    }

    private GgufFile.Parsed parse() {
        return GgufFile.parse(MemorySegment.ofArray(valid));
    }

    private void expectInvalid(long offset, String reason) {
        ThrowingCallable parse = this::parse;
        assertThatThrownBy(parse).isInstanceOf(GgufFormatException.class)
                .hasMessageStartingWith("invalid GGUF at byte " + offset + ": ")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(((GgufFormatException) e).offset()).isEqualTo(offset));
    }

    private int find(String s) {
        byte[] needle = s.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + needle.length <= valid.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (valid[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(s + " not in the file");
    }

    private void putU32(int at, int v) {
        ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
    }

    private void putU64(int at, long v) {
        ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
    }
}
