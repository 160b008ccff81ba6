package org.mlm4j.models.vision;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.testing.TestData;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/** The float64 reference itself reproduces the PyTorch oracle: it may then judge cases the oracle lacks (LDP). */
class NaiveVisionReferenceTest {
    @ParameterizedTest
    @ValueSource(strings = {"synth_640x480", "synth_240x320"})
    void reproducesThePytorchOracle(String image) throws Exception {
        try (GgufFile f = GgufFile.open(TestData.path("oracle/vision/models/mmproj-ldpv2-f32.gguf"))) {
            float[] pre = TestData.floats("oracle/vision-pytorch/pre/" + image + "__336_openai.pre.f32");
            float[] expected = TestData.floats("oracle/vision-pytorch/emb/ldpv2-f32__" + image + ".emb.f32");
            double[] actual = EmbeddingComparison.flatten(new NaiveVisionReference(f).encode(pre));
            assertThat(actual).hasSize(144 * 256);
            assertThat(EmbeddingComparison.maxAbsDiff(expected, actual)).isLessThan(1e-5);
        }
    }

    @Test
    void erfMatchesTabulatedValues() {
        double[][] table = {{0.5, 0.5204998778130465}, {1.0, 0.8427007929497149}, {2.5, 0.9995930479825550},
                {3.5, 0.9999992569016276}, {-1.0, -0.8427007929497149}};
        for (double[] row : table) {
            assertThat(NaiveVisionReference.erf(row[0])).isCloseTo(row[1], offset(1e-13));
        }
    }
}
