package org.mlm4j.models.vision.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class VisionPreprocessorTest {
    private static final float[] OPENAI_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] OPENAI_STD = {0.26862954f, 0.26130258f, 0.27577711f};
    private static final float[] HALF = {0.5f, 0.5f, 0.5f};

    @ParameterizedTest
    @CsvSource({
        // w, h, left, top: expand2square pastes at ((h-w)//2, 0) or (0, (w-h)//2)
        "5, 8, 1, 0",
        "8, 5, 0, 1",
        "6, 9, 1, 0",
        "3, 3, 0, 0",
    })
    void pytorchPadsCentredWithTheMeanColour(int w, int h, int left, int top) {
        RgbImage image = RgbImage.filled(w, h, 1, 2, 3);

        RgbImage openai = new VisionPreprocessor(VisionPreset.PYTORCH, 4, OPENAI_MEAN, OPENAI_STD).padToSquare(image);
        RgbImage half = new VisionPreprocessor(VisionPreset.PYTORCH, 4, HALF, HALF).padToSquare(image);

        int side = Math.max(w, h);
        assertThat(openai.width()).isEqualTo(side);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                boolean inside = x >= left && x < left + w && y >= top && y < top + h;
                assertThat(rgbAt(openai, x, y)).isEqualTo(inside ? new int[] {1, 2, 3} : new int[] {122, 116, 104});
                assertThat(rgbAt(half, x, y)).isEqualTo(inside ? new int[] {1, 2, 3} : new int[] {127, 127, 127});
            }
        }
    }

    @Test
    void llamacppPadsTopLeftWithClipCppsFixedColourWhateverTheMean() {
        RgbImage image = RgbImage.filled(3, 5, 9, 9, 9);

        RgbImage padded = new VisionPreprocessor(VisionPreset.LLAMACPP, 4, HALF, HALF).padToSquare(image);

        assertThat(rgbAt(padded, 2, 4)).isEqualTo(new int[] {9, 9, 9});
        assertThat(rgbAt(padded, 3, 0)).isEqualTo(new int[] {122, 116, 104});
        assertThat(rgbAt(padded, 4, 4)).isEqualTo(new int[] {122, 116, 104});
    }

    /**
     * A vertical edge (100 | 0) upscaled 2 → 4. clip.cpp: s = (x + 0.5)·0.5 − 0.5 gives
     * s = −0.25, 0.25, 0.75, 1.25; the first pixel extrapolates: 100·1.25 = 125.
     */
    @Test
    void llamacppBilinearExtrapolatesAtTheUpscaledEdge() {
        RgbImage edge = twoColumnEdge(100);

        RgbImage out = new VisionPreprocessor(VisionPreset.LLAMACPP, 4, HALF, HALF).resize(edge);

        for (int y = 0; y < 4; y++) {
            assertThat(row(out, y)).containsExactly(125, 75, 25, 0);
        }
    }

    /**
     * The same edge through Pillow's bicubic (a = −0.5, no widening when upscaling): output 0 has
     * taps k(0.25) = 0.8671875, k(1.25) = −0.0703125 normalised by their sum 0.796875, so
     * 100·1.0882… → 109; output 1: k(0.25), k(0.75) = 0.2265625 → 100·0.7929 → 79; then 21 and −8.8 → 0.
     */
    @Test
    void pytorchBicubicMatchesHandComputedTaps() {
        RgbImage edge = twoColumnEdge(100);

        RgbImage out = new VisionPreprocessor(VisionPreset.PYTORCH, 4, HALF, HALF).resize(edge);

        for (int y = 0; y < 4; y++) {
            assertThat(row(out, y)).containsExactly(109, 79, 21, 0);
        }
    }

    @Test
    void pillowBicubicWeightsSumToOneInFixedPoint() {
        for (int[] sizes : new int[][] {{1411, 336}, {640, 336}, {320, 336}, {7, 3}, {3, 7}, {1000, 224}}) {
            PillowBicubicResize.Taps taps = PillowBicubicResize.taps(sizes[0], sizes[1]);
            for (int i = 0; i < sizes[1]; i++) {
                long sum = 0;
                for (int j = 0; j < taps.count()[i]; j++) {
                    sum += taps.weights()[i * taps.stride() + j];
                }
                assertThat(sum).as("%d -> %d, output %d", sizes[0], sizes[1], i).isCloseTo(1L << 22, org.assertj.core.data.Offset.offset(8L));
                assertThat(taps.first()[i] + taps.count()[i]).isLessThanOrEqualTo(sizes[0]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(VisionPreset.class)
    void constantImagesStayConstantAtAnySize(VisionPreset preset) {
        for (int size : new int[] {224, 336}) {
            for (int side : new int[] {100, 336, 1411}) {
                RgbImage out = new VisionPreprocessor(preset, size, OPENAI_MEAN, OPENAI_STD)
                        .resize(RgbImage.filled(side, side, 0, 255, 77));
                assertThat(out.width()).isEqualTo(size);
                assertThat(rgbAt(out, size / 2, size - 1)).isEqualTo(new int[] {0, 255, 77});
                assertThat(rgbAt(out, 0, 0)).isEqualTo(new int[] {0, 255, 77});
            }
        }
    }

    @Test
    void pillowResizeOfTheSameSizeIsACopy() {
        RgbImage image = new RgbImage(2, 1, new byte[] {1, 2, 3, 4, 5, 6});

        RgbImage out = PillowBicubicResize.resize(image, 2, 1);

        assertThat(out.rgb()).isEqualTo(image.rgb()).isNotSameAs(image.rgb());
    }

    @Test
    void pillowResizeHandlesNonSquareSizesAndSingleAxes() {
        RgbImage image = RgbImage.filled(30, 20, 10, 20, 30);

        assertThat(PillowBicubicResize.resize(image, 7, 20).width()).isEqualTo(7);
        assertThat(PillowBicubicResize.resize(image, 30, 45).height()).isEqualTo(45);
        RgbImage both = PillowBicubicResize.resize(image, 11, 13);
        assertThat(rgbAt(both, 10, 12)).isEqualTo(new int[] {10, 20, 30});
    }

    @ParameterizedTest
    @EnumSource(VisionPreset.class)
    void normalisationFollowsEachPresetsFloatOps(VisionPreset preset) {
        VisionPreprocessor pre = new VisionPreprocessor(preset, 1, OPENAI_MEAN, OPENAI_STD);
        for (int u8 = 0; u8 < 256; u8++) {
            float[] out = pre.normalize(RgbImage.filled(1, 1, u8, u8, u8));
            float unit = preset == VisionPreset.PYTORCH ? (float) ((double) u8 / 255) : u8 / 255f;
            for (int c = 0; c < 3; c++) {
                assertThat(out[c]).isEqualTo((unit - OPENAI_MEAN[c]) / OPENAI_STD[c]);
            }
        }
    }

    @Test
    void invalidArgumentsAreRejected() {
        VisionPreprocessor pre = new VisionPreprocessor(VisionPreset.PYTORCH, 4, HALF, HALF);

        assertThatThrownBy(() -> pre.normalize(RgbImage.filled(3, 3, 0, 0, 0))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VisionPreprocessor(VisionPreset.PYTORCH, 0, HALF, HALF))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VisionPreprocessor(VisionPreset.PYTORCH, 4, new float[2], HALF))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RgbImage(2, 2, new byte[11])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void presetNamesParseForTheCommandLine() {
        assertThat(VisionPreset.fromName("pytorch")).isEqualTo(VisionPreset.PYTORCH);
        assertThat(VisionPreset.fromName("LlamaCpp")).isEqualTo(VisionPreset.LLAMACPP);
        assertThat(VisionPreset.DEFAULT).isEqualTo(VisionPreset.PYTORCH);
        assertThatThrownBy(() -> VisionPreset.fromName("bilinear")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pytorch, llamacpp");
    }

    private static RgbImage twoColumnEdge(int left) {
        return new RgbImage(2, 2, new byte[] {(byte) left, (byte) left, (byte) left, 0, 0, 0,
            (byte) left, (byte) left, (byte) left, 0, 0, 0});
    }

    private static int[] rgbAt(RgbImage image, int x, int y) {
        return new int[] {image.sample(x, y, 0), image.sample(x, y, 1), image.sample(x, y, 2)};
    }

    private static int[] row(RgbImage image, int y) {
        int[] out = new int[image.width()];
        for (int x = 0; x < out.length; x++) {
            out[x] = image.sample(x, y, 0);
        }
        return out;
    }
}
