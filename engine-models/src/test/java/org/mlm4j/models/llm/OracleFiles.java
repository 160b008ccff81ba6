package org.mlm4j.models.llm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mlm4j.testing.TestData;

/** Reads the text oracle (testdata/oracle/text, see its README): manifests, models, logits files. */
final class OracleFiles {
    private OracleFiles() {
    }

    static Path model(String name) {
        return TestData.path("oracle/text/models/" + name + ".gguf");
    }

    static String manifest(String name) throws IOException {
        return Files.readString(TestData.path("oracle/text/manifests/" + name + ".json"));
    }

    /** The integer array under {@code "key": [ ... ]} of a manifest (its first occurrence). */
    static int[] intArray(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\\[([^\\]]*)]").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("no array '" + key + "' in the manifest");
        }
        return Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
    }

    /** A float32 little-endian logits file of the oracle. */
    static float[] logits(String file) throws IOException {
        byte[] bytes = Files.readAllBytes(TestData.path("oracle/text/logits/" + file));
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(a.length + " vs " + b.length + " logits");
        }
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }
}
