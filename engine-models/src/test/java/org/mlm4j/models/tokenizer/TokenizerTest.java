package org.mlm4j.models.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mlm4j.gguf.GgufArray;
import org.mlm4j.gguf.GgufMetadata;
import org.mlm4j.testing.TestData;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Decoding, streaming, special tokens and metadata handling of {@link Tokenizer}. */
class TokenizerTest {
    static Tokenizer llama;
    static Tokenizer phi3;
    static Tokenizer gpt2;
    static Tokenizer neox;
    static List<String> texts;

    @BeforeAll
    static void load() throws IOException {
        llama = VocabSuiteTest.load("vocab/ggml-vocab-llama-spm.gguf");
        phi3 = VocabSuiteTest.load("vocab/ggml-vocab-phi-3.gguf");
        gpt2 = VocabSuiteTest.load("vocab/ggml-vocab-gpt-2.gguf");
        neox = VocabSuiteTest.load("vocab/ggml-vocab-mpt.gguf");
        texts = VocabSuiteTest.readCases(TestData.path("vocab/ggml-vocab-llama-spm.gguf.inp"));
    }

    private static byte[] concatPieces(Tokenizer tok, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(tok.tokenToPiece(id, false));
        }
        return out.toByteArray();
    }

    @Test
    void sentencePieceDecodeInvertsEncode() {
        for (Tokenizer tok : List.of(llama, phi3)) {
            for (String s : texts) {
                assertThat(tok.decode(tok.encode(s, false, false))).as("'%s'", s).isEqualTo(s);
            }
        }
    }

    @Test
    void byteLevelPiecesGiveBackTheExactBytes() {
        for (Tokenizer tok : List.of(gpt2, neox)) {
            for (String s : texts) {
                assertThat(concatPieces(tok, tok.encode(s, false, false))).as("'%s'", s)
                        .isEqualTo(s.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void bpeDecodeCleansSpacesBeforePunctuationLikeLlamaCpp() {
        int[] ids = gpt2.encode("Hello , world ! It 's a ' quote' we 're", false, false);
        assertThat(gpt2.decode(ids)).isEqualTo("Hello, world! It's a'quote' we're");
        assertThat(llama.decode(llama.encode("Hello , world", false, false))).isEqualTo("Hello , world");
    }

    @Test
    void controlTokensRenderOnlyWhenAsked() {
        int[] ids = llama.encode("Hi", true, false);
        assertThat(ids[0]).isEqualTo(llama.bosId()).isEqualTo(1);
        // BOS consumes the leading-space removal, as llama_detokenize does
        assertThat(llama.decode(ids)).isEqualTo(" Hi");
        assertThat(llama.decode(ids, true)).isEqualTo("<s> Hi");
        assertThat(llama.tokenToPiece(llama.eosId(), false)).isEmpty();
        assertThat(new String(llama.tokenToPiece(llama.eosId(), true), StandardCharsets.UTF_8)).isEqualTo("</s>");
    }

    @Test
    void specialTokensAndEndOfGeneration() {
        assertThat(llama.addsBos()).isTrue();
        assertThat(gpt2.addsBos()).isFalse();
        assertThat(llama.isEndOfGeneration(2)).isTrue();
        assertThat(llama.isEndOfGeneration(1)).isFalse();
        int end = phi3.tokenId("<|end|>");
        int endOfText = phi3.tokenId("<|endoftext|>");
        assertThat(end).isEqualTo(32007);
        assertThat(phi3.isEndOfGeneration(end)).isTrue();
        assertThat(phi3.isEndOfGeneration(endOfText)).isTrue();
        assertThat(phi3.isEndOfGeneration(phi3.tokenId("<|assistant|>"))).isFalse();
        assertThat(gpt2.isEndOfGeneration(gpt2.tokenId("<|endoftext|>"))).isTrue();
        assertThat(phi3.isControl(end)).isTrue();
    }

    @Test
    void phi3SpecialTokensSwallowTheFollowingWhitespace() {
        // <|end|> and <|assistant|> carry RSTRIP (model name "phi-3"), so "\n" after them is dropped
        int[] ids = phi3.encode("<|user|>\nHi<|end|>\n<|assistant|>\n", false, true);
        assertThat(ids).containsExactly(phi3.tokenId("<|user|>"), 6324, phi3.tokenId("<|end|>"), phi3.tokenId("<|assistant|>"));
        // the plain llama vocabulary has no such quirk and no such tokens
        assertThat(llama.encode("<|end|>\n", false, true)).contains(13);
    }

    @Test
    void streamingDecoderHoldsBackSplitCharacters() {
        String text = "naïve 🦙 café 你好\n";
        for (Tokenizer tok : List.of(llama, gpt2)) {
            int[] ids = tok.encode(text, false, false);
            TokenDecoder decoder = new TokenDecoder(tok, false, tok.model() == Tokenizer.Model.SPM);
            StringBuilder sb = new StringBuilder();
            List<String> chunks = new ArrayList<>();
            for (int id : ids) {
                String chunk = decoder.accept(id);
                assertThat(chunk).doesNotContain("\uFFFD");
                chunks.add(chunk);
                sb.append(chunk);
            }
            sb.append(decoder.flush());
            assertThat(sb.toString()).isEqualTo(text);
            assertThat(chunks).as("the llama emoji is split over several tokens").contains("");
        }
    }

    @Test
    void streamingDecoderFlushesAnUnfinishedCharacterAsReplacement() {
        TokenDecoder decoder = new TokenDecoder(llama);
        assertThat(decoder.accept(llama.tokenId("<0xF0>"))).isEmpty();
        assertThat(decoder.accept(llama.tokenId("<0x9F>"))).isEmpty();
        assertThat(decoder.flush()).isEqualTo("\uFFFD");
        assertThat(decoder.accept(llama.tokenId("▁Hello"))).isEqualTo(" Hello");
    }

    @Test
    void completePrefixFindsTheLastUnfinishedSequence() {
        assertThat(TokenDecoder.completePrefix(new byte[] {'a', (byte) 0xE4, (byte) 0xBD})).isEqualTo(1);
        assertThat(TokenDecoder.completePrefix(new byte[] {'a', (byte) 0xE4, (byte) 0xBD, (byte) 0xA0})).isEqualTo(4);
        assertThat(TokenDecoder.completePrefix(new byte[] {(byte) 0x80})).isEqualTo(1); // stray byte: nothing can complete it
        assertThat(TokenDecoder.completePrefix(new byte[0])).isZero();
    }

    @Test
    @SuppressWarnings("unchecked")
    void stories260KPromptAndGoldenTexts() throws IOException {
        List<String> warnings = new ArrayList<>();
        Tokenizer tok;
        try (var gguf = org.mlm4j.gguf.GgufFile.open(TestData.path("models/stories260K.gguf"))) {
            tok = Tokenizer.fromGguf(gguf.metadata(), warnings::add);
        }
        assertThat(warnings).as("padding_token_id = 0xFFFFFFFF means none").isEmpty();
        assertThat(tok.padId()).isEqualTo(-1);
        Map<String, Object> golden = TestData.json("expected/stories260K.greedy.json");
        var onceUpon = (Map<String, Object>) golden.get("once_upon_a_time_40");
        assertThat(tok.encode((String) onceUpon.get("prompt"), true, true))
                .containsExactly(ids(onceUpon.get("prompt_ids")));
        assertThat(tok.decode(ids(onceUpon.get("generated_ids")))).isEqualTo(onceUpon.get("generated_text"));
        // llama2.c prints the pieces after BOS with the first one's leading space dropped
        var bosOnly = (Map<String, Object>) golden.get("bos_only_200");
        TokenDecoder decoder = new TokenDecoder(tok, false, true);
        StringBuilder text = new StringBuilder();
        for (int id : ids(bosOnly.get("generated_ids"))) {
            text.append(decoder.accept(id));
        }
        text.append(decoder.flush());
        assertThat(text.toString()).isEqualTo(
                Files.readString(TestData.path("expected/stories260K.llama2c-test_all.expected.txt"), StandardCharsets.UTF_8));
    }

    private static int[] ids(Object jsonList) {
        return ((List<?>) jsonList).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
    }

    @Test
    void emptyTextGivesOnlyTheAddedTokens() {
        assertThat(llama.encode("", true, true)).containsExactly(1);
        assertThat(llama.encode("", false, true)).isEmpty();
        assertThat(gpt2.encode("", true, true)).isEmpty();
    }

    @Test
    void loneSurrogatesAreEncodedAsUtf8WouldWriteThem() {
        assertThat(gpt2.encode("a\uD83Db", false, false)).containsExactly(gpt2.encode("a?b", false, false));
    }

    // ------------------------------------------------------------------ synthetic vocabularies

    private static Map<String, Object> spmMeta(List<String> tokens, List<Float> scores) {
        Map<String, Object> kv = new HashMap<>();
        kv.put("tokenizer.ggml.model", "llama");
        kv.put("tokenizer.ggml.tokens", GgufArray.ofStrings(tokens.toArray(String[]::new)));
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        kv.put("tokenizer.ggml.scores", GgufArray.ofFloats(s));
        return kv;
    }

    @Test
    void spmMergesTheBestScoringPairFirstAndTheLeftmostOnTies() {
        // "▁abc": ab (score -1) beats bc (-2); among equal scores the leftmost pair merges first.
        List<String> tokens = List.of("<unk>", "<s>", "</s>", "▁", "a", "b", "c", "ab", "bc", "▁a", "▁ab", "abc");
        List<Float> scores = List.of(0f, 0f, 0f, -9f, -9f, -9f, -9f, -1f, -2f, -3f, -5f, -4f);
        Tokenizer tok = Tokenizer.fromGguf(GgufMetadata.of(spmMeta(tokens, scores)), w -> { });
        // ▁ a b c → (ab) → ▁ ab c → (abc -4 beats ▁ab -5) → ▁ abc
        assertThat(tok.encode("abc", false, false)).containsExactly(3, 11);
        List<Float> tied = List.of(0f, 0f, 0f, -9f, -9f, -9f, -9f, -1f, -1f, -9f, -9f, -9f);
        Tokenizer tie = Tokenizer.fromGguf(GgufMetadata.of(spmMeta(tokens, tied)), w -> { });
        // ab and bc tie: ab (leftmost) merges; then ▁ab and abc tie at -9 and ▁ab (leftmost) wins
        assertThat(tie.encode("abc", false, false)).containsExactly(10, 6);
    }

    @Test
    void addBosAndAddEosComeFromTheMetadata() {
        List<String> tokens = List.of("<unk>", "<s>", "</s>", "▁", "a");
        List<Float> scores = List.of(0f, 0f, 0f, -1f, -1f);
        Map<String, Object> kv = spmMeta(tokens, scores);
        kv.put("tokenizer.ggml.add_bos_token", false);
        kv.put("tokenizer.ggml.add_eos_token", true);
        Tokenizer tok = Tokenizer.fromGguf(GgufMetadata.of(kv), w -> { });
        assertThat(tok.encode("a", true, true)).containsExactly(3, 4, 2);
        assertThat(tok.encode("a", false, true)).containsExactly(3, 4);
        kv.put("tokenizer.ggml.add_space_prefix", false);
        kv.put("tokenizer.ggml.eos_token_id", 4);
        Tokenizer noPrefix = Tokenizer.fromGguf(GgufMetadata.of(kv), w -> { });
        assertThat(noPrefix.encode("a", true, true)).containsExactly(4, 4);
        assertThat(noPrefix.isEndOfGeneration(4)).isTrue();
    }

    @Test
    void spmFallsBackToBytesForUnknownCharacters() {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>", "▁"));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
        }
        List<Float> scores = new ArrayList<>();
        tokens.forEach(t -> scores.add(0f));
        Map<String, Object> kv = spmMeta(tokens, scores);
        List<Integer> types = new ArrayList<>(List.of(2, 3, 3, 1));
        for (int b = 0; b < 256; b++) {
            types.add(6);
        }
        kv.put("tokenizer.ggml.token_type", GgufArray.ofInts(types.stream().mapToInt(Integer::intValue).toArray()));
        Tokenizer tok = Tokenizer.fromGguf(GgufMetadata.of(kv), w -> { });
        // "é" = C3 A9, byte tokens start at id 4
        assertThat(tok.encode("é", false, false)).containsExactly(3, 4 + 0xC3, 4 + 0xA9);
        assertThat(tok.decode(tok.encode("é", false, false))).isEqualTo("é");
    }

    @Test
    void badMetadataIsReportedClearly() {
        Map<String, Object> kv = new HashMap<>();
        kv.put("tokenizer.ggml.model", "gpt2");
        kv.put("tokenizer.ggml.tokens", GgufArray.ofStrings("a", "b"));
        assertThatThrownBy(() -> Tokenizer.fromGguf(GgufMetadata.of(kv), w -> { }))
                .hasMessageContaining("merges");
        kv.put("tokenizer.ggml.merges", GgufArray.ofStrings("a b"));
        kv.put("tokenizer.ggml.pre", "no-such-pre");
        assertThatThrownBy(() -> Tokenizer.fromGguf(GgufMetadata.of(kv), w -> { }))
                .hasMessage("unknown pre-tokenizer type: 'no-such-pre'");
        kv.remove("tokenizer.ggml.pre");
        List<String> warnings = new ArrayList<>();
        Tokenizer.fromGguf(GgufMetadata.of(kv), warnings::add);
        assertThat(warnings).anyMatch(w -> w.contains("missing pre-tokenizer"));
        kv.put("tokenizer.ggml.model", "bert");
        assertThatThrownBy(() -> Tokenizer.fromGguf(GgufMetadata.of(kv), w -> { }))
                .hasMessageContaining("unsupported tokenizer model 'bert'");
        kv.put("tokenizer.ggml.model", "llama");
        kv.put("tokenizer.ggml.tokens", GgufArray.ofStrings("a", "a"));
        assertThatThrownBy(() -> Tokenizer.fromGguf(GgufMetadata.of(kv), w -> { }))
                .hasMessageContaining("duplicate token");
        assertThatThrownBy(() -> llama.decode(new int[] {32000}))
                .hasMessageContaining("outside the vocabulary");
        // byte-typed tokens whose text is not <0xXX> load (llama.cpp reads them with strtol)
        kv.put("tokenizer.ggml.tokens", GgufArray.ofStrings("<unk>", "<s>", "</s>", "<0xZZ>", "x"));
        kv.put("tokenizer.ggml.token_type", GgufArray.ofInts(2, 3, 3, 6, 6));
        Tokenizer odd = Tokenizer.fromGguf(GgufMetadata.of(kv), w -> { });
        assertThat(odd.tokenToPiece(3, false)).containsExactly(0);
        assertThat(odd.tokenToPiece(4, false)).containsExactly(0);
    }
}
