package org.mlm4j.kernels.panama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mlm4j.kernels.KernelProvider;

/**
 * The outer-product pieces bit for bit against scalar loops doing the same arithmetic: the
 * transpose of unpacked rows into the (off-heap) panel (a gather per column), and {@link MatmulTiles#outer6x4}, whose every output is
 * a sequence of fused multiply-adds over one block of columns from zero, then added to the partial
 * sum in block order ({@link Math#fma} rounds as each vector lane does).
 */
class MatmulTilesTest {

    @ParameterizedTest(name = "cols {0}")
    @ValueSource(ints = {1, 7, 16, 33, 256})
    void transposePutsEachColumnsWeightsSideBySide(int cols) {
        assumeTrue(KernelProvider.vectorModulePresent(), "the scalar execution has no Vector API");
        // the tile sizes are read only now: as static fields they would load the Vector API classes
        // when the test class initializes, which fails in the execution without the module
        int rows = MatmulTiles.OUTER_ROWS;
        int lanes = VectorConstants.F.length();
        int to = rows - lanes;
        float[] weights = random(lanes * cols + 3, cols);
        float[] expected = random(to + cols * rows, cols + 1);
        MemorySegment panel = Arena.ofAuto().allocate(4L * expected.length, 64);
        MemorySegment.copy(expected, 0, panel, ValueLayout.JAVA_FLOAT, 0, expected.length);
        for (int k = 0; k < cols; k++) {
            for (int t = 0; t < lanes; t++) {
                expected[to + k * rows + t] = weights[3 + t * cols + k];
            }
        }
        MatmulTiles.transpose(weights, 3, cols, panel, to, new int[lanes]);
        assertThat(panel.toArray(ValueLayout.JAVA_FLOAT)).containsExactly(expected);
    }

    @ParameterizedTest(name = "kc {0}")
    @ValueSource(ints = {1, 5, 31, 32, 33, 100, 128, 129})
    void outerProductSumsEachColumnBlockFromZeroInOrder(int kc) {
        assumeTrue(KernelProvider.vectorModulePresent(), "the scalar execution has no Vector API");
        // the tile sizes are read only now: as static fields they would load the Vector API classes
        // when the test class initializes, which fails in the execution without the module
        int rows = MatmulTiles.OUTER_ROWS;
        int height = MatmulTiles.OUTER_BATCH;
        for (int sumBlock : new int[] {MatmulTiles.SUM_BLOCK, MatmulTiles.FLOAT_SUM_BLOCK}) {
            int po = 3 * rows;
            int xo = 11;
            int ao = 2 * rows;
            float[] panel = random(po + kc * rows, kc);
            float[] x = random(xo + height * kc, kc + 1);
            float[] acc = random(ao + height * rows + 5, kc + 2);
            float[] expected = acc.clone();
            for (int c = 0; c < height; c++) {
                for (int j = 0; j < rows; j++) {
                    for (int j0 = 0; j0 < kc; j0 += sumBlock) {
                        float block = 0;
                        for (int i = j0; i < Math.min(kc, j0 + sumBlock); i++) {
                            block = Math.fma(panel[po + i * rows + j], x[xo + height * i + c], block);
                        }
                        expected[ao + c * rows + j] += block;
                    }
                }
            }
            MemorySegment tiles = Arena.ofAuto().allocate(4L * panel.length, 64);
            MemorySegment.copy(panel, 0, tiles, ValueLayout.JAVA_FLOAT, 0, panel.length);
            MatmulTiles.outer6x4(tiles, po, kc, x, xo, acc, ao, sumBlock);
            assertThat(acc).as("blocks of %d", sumBlock).containsExactly(expected);
        }
    }

    private static float[] random(int n, long seed) {
        Random random = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
