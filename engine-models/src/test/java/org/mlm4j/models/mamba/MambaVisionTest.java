package org.mlm4j.models.mamba;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.VisionEncoder;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.models.llm.Input;
import org.mlm4j.models.llm.Session;
import org.mlm4j.models.llm.SessionOptions;
import org.mlm4j.models.tokenizer.Tokenizer;
import org.mlm4j.models.vision.MultimodalPrompt;
import org.mlm4j.models.vision.ProjectorType;
import org.mlm4j.models.vision.RandomMmproj;
import org.mlm4j.tensor.Dequantize;
import org.mlm4j.testing.TestData;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cobra-style Mamba with vision: projected image embeddings enter the oracle's Mamba model at the
 * {@code <image>} placeholder. The mmproj is a random-weight LDPv2 file written with the model's
 * n_embd (128) as its projection width.
 */
class MambaVisionTest {
    private static final String MODEL = "oracle/text/models/mamba_e128-F32.gguf";
    private static final String PROMPT = "A picture: <image>\nIt shows";

    @TempDir
    static Path dir;
    static Path mmproj;
    static float[][] image;

    @BeforeAll
    static void encodeImage() throws IOException {
        mmproj = dir.resolve("mmproj-ldpv2-e128.gguf");
        RandomMmproj.write(mmproj, new RandomMmproj.Shape(336, 14, 64, 4, 128, 2, 128, ProjectorType.LDPV2, false),
                org.mlm4j.tensor.GgmlType.F16, 5);
        try (VisionEncoder encoder = VisionEncoder.load(mmproj)) {
            image = encoder.encode(TestData.path("oracle/vision/images/synth_640x480.png"));
        }
    }

    private static MambaModel load() throws IOException {
        return MambaModel.load(GgufFile.open(TestData.path(MODEL)), KernelProvider.get());
    }


    /** Last-position logits after evaluating {@code inputs} in one session. */
    private static float[] lastLogits(MambaModel lm, List<Input> inputs, int maxBatch) {
        try (Session s = lm.newSession(SessionOptions.DEFAULT.withMaxBatch(maxBatch))) {
            float[] logits = null;
            for (Input in : inputs) {
                logits = s.forward(in, Session.Logits.LAST);
            }
            return logits;
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void imageEmbeddingsFlowThroughTheRecurrentState() throws IOException {
        assertThat(image).hasNumberOfRows(144);
        assertThat(image[0]).hasSize(128);
        try (MambaModel lm = load()) {
            Tokenizer tokenizer = Tokenizer.fromGguf(lm.fileMetadata());
            List<Input> inputs = MultimodalPrompt.build(tokenizer, PROMPT, List.<float[][]>of(image), lm.embeddingLength(), true);
            assertThat(inputs).hasSize(3);
            assertThat(inputs.get(1).count()).isEqualTo(144);

            float[] whole = lastLogits(lm, inputs, 512);
            // the same prompt fed one position at a time (decode steps across the image) gives the same
            // logits up to the summation order of the batched matmul
            assertThat(maxAbsDiff(lastLogits(lm, inputs, 1), whole)).isLessThan(1e-4);

            // the image matters: a blank image moves the next-token logits
            float[][] blank = new float[144][128];
            float[] withBlank = lastLogits(lm, MultimodalPrompt.build(tokenizer, PROMPT, List.<float[][]>of(blank), 128, true), 512);
            assertThat(maxAbsDiff(whole, withBlank)).isGreaterThan(0.1);
        }
    }

    @Test
    void embeddingRowsEqualToTokenEmbeddingsGiveTheTokensLogits() throws IOException {
        try (MambaModel lm = load()) {
            int[] ids = {48, 79, 336, 598, 251};
            float[] rows = new float[ids.length * lm.embeddingLength()];
            try (GgufFile file = GgufFile.open(TestData.path(MODEL))) {
                for (int i = 0; i < ids.length; i++) {
                    Dequantize.row(file.tensor("token_embd.weight"), ids[i], rows, i * lm.embeddingLength());
                }
            }
            float[] byTokens = lastLogits(lm, List.of(Input.tokens(ids)), 512);
            float[] byEmbeddings = lastLogits(lm, List.of(Input.embeddings(rows, ids.length)), 512);
            assertThat(maxAbsDiff(byEmbeddings, byTokens)).isZero();
        }
    }
}
