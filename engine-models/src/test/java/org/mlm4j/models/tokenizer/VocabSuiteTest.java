package org.mlm4j.models.tokenizer;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.testing.TestData;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's tokenizer suite (tests/test-tokenizer-0.cpp): every case of
 * {@code testdata/vocab/ggml-vocab-*.gguf.inp} tokenized with add_special = false and
 * parse_special = false must give the ids on the matching line of the {@code .out} file.
 */
class VocabSuiteTest {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    static Tokenizer load(String relative) throws IOException {
        try (GgufFile gguf = GgufFile.open(TestData.path(relative))) {
            return Tokenizer.fromGguf(gguf.metadata(), w -> { });
        }
    }

    /** The cases of an .inp file: the text between separators (a trailing separator ends the last case). */
    static List<String> readCases(Path inp) throws IOException {
        String raw = Files.readString(inp, StandardCharsets.UTF_8);
        List<String> cases = new ArrayList<>();
        int pos = 0;
        while (pos < raw.length()) {
            int next = raw.indexOf(SEPARATOR, pos);
            if (next < 0) {
                cases.add(raw.substring(pos));
                break;
            }
            cases.add(raw.substring(pos, next));
            pos = next + SEPARATOR.length();
        }
        return cases;
    }

    static int[] parseIds(String line) {
        String s = line.strip();
        return s.isEmpty() ? new int[0] : Arrays.stream(s.split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    @Test
    void oneTokenizerServesManyThreads() throws Exception {
        // like test-tokenizer-0, which tokenizes every case on every hardware thread at once
        Tokenizer tok = load("vocab/ggml-vocab-mpt.gguf");
        List<String> cases = readCases(TestData.path("vocab/ggml-vocab-mpt.gguf.inp"));
        List<int[]> sequential = cases.stream().map(t -> tok.encode(t, false, false)).toList();
        try (var pool = Executors.newFixedThreadPool(4)) {
            List<Future<List<int[]>>> runs = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                runs.add(pool.submit(() -> cases.stream().map(t -> tok.encode(t, false, false)).toList()));
            }
            for (Future<List<int[]>> run : runs) {
                List<int[]> ids = run.get();
                for (int i = 0; i < cases.size(); i++) {
                    assertThat(ids.get(i)).containsExactly(sequential.get(i));
                }
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCaseOfEveryVocab() {
        return Stream.of("llama-spm", "phi-3", "gpt-2", "mpt").flatMap(name -> {
            try {
                String file = "vocab/ggml-vocab-" + name + ".gguf";
                Tokenizer tok = load(file);
                List<String> cases = readCases(TestData.path(file + ".inp"));
                List<String> expected = Files.readAllLines(TestData.path(file + ".out"), StandardCharsets.UTF_8);
                assertThat(cases).as(name + " case count").hasSize(expected.size()).hasSizeGreaterThan(40);
                List<DynamicTest> tests = new ArrayList<>();
                for (int i = 0; i < cases.size(); i++) {
                    String text = cases.get(i);
                    int[] want = parseIds(expected.get(i));
                    tests.add(DynamicTest.dynamicTest(name + " #" + i + " '" + text.replace("\n", "\\n") + "'",
                            () -> assertThat(tok.encode(text, false, false)).containsExactly(want)));
                }
                return tests.stream();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }
}
