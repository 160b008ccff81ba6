package org.mlm4j.models.tokenizer;

import org.junit.jupiter.api.Test;
import org.mlm4j.testing.TestData;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pre-tokenizers against a Unicode-aware regex engine: java.util.regex with
 * UNICODE_CHARACTER_CLASS ({@code \s} = White_Space, {@code \p{L}} = letters) running the
 * original regexes of each tokenizer (as in its tokenizer.json) over llama.cpp's tokenizer-suite
 * inputs. llama.cpp's hand-written matchers and its collapsed-text trick agree with a real regex
 * engine on these inputs, so ours must too.
 */
class PreTokenizerTest {
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    static List<String> inputs() throws IOException {
        List<String> texts = new ArrayList<>(VocabSuiteTest.readCases(TestData.path("vocab/ggml-vocab-gpt-2.gguf.inp")));
        texts.add("Don'T WE'LL it'S 12345678 x1y22z333 \u00a0\u2003nbsp\u3000ideographic 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ½ ⅷ ∑x=1 $5 ~a `b` |c|");
        texts.add("\r\n\r\n  \n\t x \u0085 y\u2028z");
        return texts;
    }

    /** Applies regexes one after another, each splitting the pieces the previous left into matches and gaps. */
    static List<String> referenceSplit(String text, List<String> regexes) {
        List<String> pieces = new ArrayList<>(List.of(text));
        for (String regex : regexes) {
            Pattern p = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
            List<String> next = new ArrayList<>();
            for (String piece : pieces) {
                Matcher m = p.matcher(piece);
                int done = 0;
                while (m.find()) {
                    if (m.start() > done) {
                        next.add(piece.substring(done, m.start()));
                    }
                    next.add(m.group());
                    done = m.end();
                }
                if (done < piece.length()) {
                    next.add(piece.substring(done));
                }
            }
            pieces = next;
        }
        return pieces.stream().filter(s -> !s.isEmpty())
                .map(w -> ByteLevel.encode(w.getBytes(StandardCharsets.UTF_8))).toList();
    }

    private static void assertSameAsRegexEngine(String pre, List<String> originalRegexes) throws IOException {
        PreTokenizer tokenizer = new PreTokenizer(PreTokenizer.spec(pre).regexes());
        for (String text : inputs()) {
            assertThat(tokenizer.split(text)).as("%s on '%s'", pre, text).isEqualTo(referenceSplit(text, originalRegexes));
        }
    }

    @Test
    void gpt2() throws IOException {
        assertSameAsRegexEngine("gpt-2", List.of(GPT2));
    }

    @Test
    void llama3() throws IOException {
        assertSameAsRegexEngine("llama-bpe", List.of(LLAMA3));
    }

    @Test
    void defaultUsesFourRegexes() throws IOException {
        assertSameAsRegexEngine("default", List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]"));
    }

    @Test
    void starcoderSplitsDigits() throws IOException {
        assertSameAsRegexEngine("starcoder", List.of("\\p{N}", GPT2));
    }

    @Test
    void falcon() throws IOException {
        assertSameAsRegexEngine("falcon", List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]"));
    }

    @Test
    void qwen2() throws IOException {
        assertSameAsRegexEngine("qwen2", List.of("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"));
    }

    @Test
    void handWrittenExamples() {
        PreTokenizer gpt2 = new PreTokenizer(List.of(PreTokenizer.GPT2_REGEX));
        assertThat(gpt2.split("Hello  world's 42!")).containsExactly("Hello", "Ġ", "Ġworld", "'s", "Ġ42", "!");
        PreTokenizer llama3 = new PreTokenizer(List.of(PreTokenizer.LLAMA3_REGEX));
        assertThat(llama3.split("I'M 12345\n\nok")).containsExactly("I", "'M", "Ġ", "123", "45", "ĊĊ", "ok");
    }
}
