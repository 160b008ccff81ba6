package org.mlm4j.models.vision.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mlm4j.testing.TestData;

@Timeout(60)
class ImageLoaderTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
        "astronaut.png, 512, 512",
        "camera.png, 512, 512",
        "chelsea.png, 451, 300",
        "clip_diagram.png, 2162, 762",
        "coffee.png, 600, 400",
        "llama0-banner_1280x640.png, 1280, 640",
    })
    void pngsDecodeToTheStoredSamplesAsStbImageDoes(String name, int width, int height) throws Exception {
        Path file = TestData.path("images/" + name);

        RgbImage image = ImageLoader.load(file);

        assertThat(image.width()).isEqualTo(width);
        assertThat(image.height()).isEqualTo(height);
        // RGBA: alpha dropped without compositing; gray: R = G = B (independent decoder, PNG spec).
        RgbImage reference = ReferencePngDecoder.decode(Files.readAllBytes(file));
        assertThat(Arrays.mismatch(image.rgb(), reference.rgb())).as("first differing byte").isEqualTo(-1);
    }

    /** clip_diagram.png has 1.08 M pixels with alpha < 255 (llama0-banner, though RGBA, is fully opaque). */
    @Test
    void transparentPixelsKeepTheirStoredColour() throws Exception {
        Path file = TestData.path("images/clip_diagram.png");
        BufferedImage rgba = ImageIO.read(file.toFile());
        assertThat(rgba.getColorModel().hasAlpha()).isTrue();

        RgbImage image = ImageLoader.load(file);

        int transparent = 0;
        int changed = 0;
        int[] rgbaPixel = new int[4];
        Raster raster = rgba.getRaster();
        for (int y = 0; y < rgba.getHeight(); y++) {
            for (int x = 0; x < rgba.getWidth(); x++) {
                raster.getPixel(x, y, rgbaPixel);
                if (rgbaPixel[3] < 255) {
                    transparent++;
                    for (int c = 0; c < 3; c++) {
                        changed += image.sample(x, y, c) != rgbaPixel[c] ? 1 : 0;
                    }
                }
            }
        }
        assertThat(transparent).as("pixels with alpha < 255").isGreaterThan(1_000_000);
        assertThat(changed).as("channels of those pixels that differ from the stored RGB").isZero();
    }

    @ParameterizedTest
    @CsvSource({
        "retina.jpg, 1411, 1411",
        "rocket.jpg, 640, 427",
        "hubble_deep_field.jpg, 1000, 872",
    })
    void jpegsDecodeToPlausibleRgb(String name, int width, int height) throws Exception {
        RgbImage image = ImageLoader.load(TestData.path("images/" + name));

        assertThat(image.width()).isEqualTo(width);
        assertThat(image.height()).isEqualTo(height);
        double[] mean = meanColour(image);
        for (double m : mean) {
            assertThat(m).isBetween(1.0, 254.0);
        }
        assertThat(distinctColours(image)).as("a photo has many colours").isGreaterThan(1000);
    }

    /**
     * The decoded RGB is the JFIF YCbCr→RGB conversion (ITU-R BT.601 full range) of the stored
     * samples, which {@code readRaster} returns unconverted: no ICC colour management sneaks in
     * (rocket.jpg embeds an Adobe RGB profile, which the JDK would otherwise convert to sRGB).
     */
    @ParameterizedTest
    @ValueSource(strings = {"retina.jpg", "rocket.jpg", "hubble_deep_field.jpg"})
    void jpegPixelsAreTheStoredYCbCrConvertedWithoutColourManagement(String name) throws Exception {
        Path file = TestData.path("images/" + name);
        Raster ycc;
        try (var in = ImageIO.createImageInputStream(file.toFile())) {
            javax.imageio.ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            ycc = reader.readRaster(0, null);
            reader.dispose();
        }

        RgbImage image = ImageLoader.load(file);

        int maxDiff = 0;
        int[] p = new int[3];
        for (int y = 0; y < image.height(); y += 3) {
            for (int x = 0; x < image.width(); x += 3) {
                ycc.getPixel(x, y, p);
                double cb = p[1] - 128.0;
                double cr = p[2] - 128.0;
                double[] rgb = {p[0] + 1.402 * cr, p[0] - 0.344136 * cb - 0.714136 * cr, p[0] + 1.772 * cb};
                for (int c = 0; c < 3; c++) {
                    int expected = (int) Math.max(0, Math.min(255, Math.round(rgb[c])));
                    maxDiff = Math.max(maxDiff, Math.abs(image.sample(x, y, c) - expected));
                }
            }
        }
        assertThat(maxDiff).isLessThanOrEqualTo(1);
    }

    @Test
    void jpegRoundTripStaysCloseToTheEncodedPixels() throws Exception {
        RgbImage original = ImageLoader.load(TestData.path("images/astronaut.png"));
        for (boolean progressive : new boolean[] {false, true}) {
            Path jpeg = dir.resolve("astronaut-" + progressive + ".jpg");
            writeJpeg(toBufferedImage(original), jpeg, progressive);

            RgbImage decoded = ImageLoader.load(jpeg);

            assertThat(meanAbsoluteDifference(decoded, original)).as("progressive=" + progressive).isLessThan(6.0);
        }
    }

    @Test
    void grayscaleJpegBecomesEqualChannels() throws Exception {
        BufferedImage gray = new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_GRAY);
        fill(gray.getRaster(), (x, y, c) -> (x * 4 + y * 2) & 0xFF);
        Path jpeg = dir.resolve("gray.jpg");
        writeJpeg(gray, jpeg, false);

        RgbImage image = ImageLoader.load(jpeg);

        for (int i = 0; i < image.rgb().length; i += 3) {
            assertThat(image.rgb()[i + 1]).isEqualTo(image.rgb()[i]);
            assertThat(image.rgb()[i + 2]).isEqualTo(image.rgb()[i]);
        }
        assertThat(Math.abs(image.sample(40, 20, 0) - 200)).isLessThanOrEqualTo(4);
    }

    @Test
    void exifOrientationIsIgnoredLikeStbImageAndPil() throws Exception {
        BufferedImage wide = new BufferedImage(40, 20, BufferedImage.TYPE_3BYTE_BGR);
        fill(wide.getRaster(), (x, y, c) -> c == 0 ? x * 6 : y * 12);
        Path plain = dir.resolve("plain.jpg");
        writeJpeg(wide, plain, false);
        Path rotated = dir.resolve("rotated.jpg");
        Files.write(rotated, withExifOrientation(Files.readAllBytes(plain), 6));

        RgbImage image = ImageLoader.load(rotated);

        assertThat(image.width()).isEqualTo(40);
        assertThat(image.height()).isEqualTo(20);
        assertThat(image.rgb()).isEqualTo(ImageLoader.load(plain).rgb());
    }

    @Test
    void sixteenBitPngKeepsTheHighByte() throws Exception {
        ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = model.createCompatibleWritableRaster(17, 5);
        fill(raster, (x, y, c) -> x * 3853 + y * 257 + c * 1000 + 255);
        Path rgb16 = writePng(new BufferedImage(model, raster, false, null), "rgb16.png", false);
        BufferedImage gray16 = new BufferedImage(17, 5, BufferedImage.TYPE_USHORT_GRAY);
        fill(gray16.getRaster(), (x, y, c) -> 65535 - x * 3000 - y * 77);
        Path g16 = writePng(gray16, "gray16.png", false);

        RgbImage colour = ImageLoader.load(rgb16);
        RgbImage gray = ImageLoader.load(g16);

        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 17; x++) {
                for (int c = 0; c < 3; c++) {
                    assertThat(colour.sample(x, y, c)).isEqualTo((x * 3853 + y * 257 + c * 1000 + 255) >> 8);
                    assertThat(gray.sample(x, y, c)).isEqualTo((65535 - x * 3000 - y * 77) >> 8);
                }
            }
        }
    }

    @Test
    void palettePngIsExpandedThroughThePalette() throws Exception {
        byte[] r = new byte[16];
        byte[] g = new byte[16];
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            r[i] = (byte) (i * 16);
            g[i] = (byte) (255 - i * 7);
            b[i] = (byte) (i * i);
        }
        IndexColorModel palette = new IndexColorModel(4, 16, r, g, b);
        BufferedImage indexed = new BufferedImage(23, 7, BufferedImage.TYPE_BYTE_BINARY, palette);
        fill(indexed.getRaster(), (x, y, c) -> (x + 3 * y) % 16);

        RgbImage image = ImageLoader.load(writePng(indexed, "palette.png", false));

        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 23; x++) {
                int index = (x + 3 * y) % 16;
                assertThat(image.sample(x, y, 0)).isEqualTo(r[index] & 0xFF);
                assertThat(image.sample(x, y, 1)).isEqualTo(g[index] & 0xFF);
                assertThat(image.sample(x, y, 2)).isEqualTo(b[index] & 0xFF);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void lowBitDepthGrayIsStretchedToFullRange(int bits) throws Exception {
        int levels = 1 << bits;
        byte[] ramp = new byte[levels];
        for (int i = 0; i < levels; i++) {
            ramp[i] = (byte) (i * 255 / (levels - 1));
        }
        BufferedImage gray = new BufferedImage(19, 3, BufferedImage.TYPE_BYTE_BINARY,
                new IndexColorModel(bits, levels, ramp, ramp, ramp));
        fill(gray.getRaster(), (x, y, c) -> (x + y) % levels);

        RgbImage image = ImageLoader.load(writePng(gray, "gray" + bits + ".png", false));

        for (int x = 0; x < 19; x++) {
            assertThat(image.sample(x, 2, 1)).isEqualTo(((x + 2) % levels) * 255 / (levels - 1));
        }
    }

    @Test
    void grayAlphaAndInterlacedRgbaDropAlpha() throws Exception {
        ComponentColorModel grayAlpha = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster ga = grayAlpha.createCompatibleWritableRaster(13, 9);
        fill(ga, (x, y, c) -> c == 0 ? x * 19 : (x + y) % 2 * 255);
        BufferedImage rgba = new BufferedImage(13, 9, BufferedImage.TYPE_4BYTE_ABGR);
        fill(rgba.getRaster(), (x, y, c) -> c == 3 ? 0 : x * 10 + y * 5 + c * 30);

        RgbImage fromGray = ImageLoader.load(writePng(new BufferedImage(grayAlpha, ga, false, null), "ga.png", false));
        RgbImage fromRgba = ImageLoader.load(writePng(rgba, "rgba-interlaced.png", true));

        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 13; x++) {
                for (int c = 0; c < 3; c++) {
                    assertThat(fromGray.sample(x, y, c)).isEqualTo(x * 19);
                    assertThat(fromRgba.sample(x, y, c)).isEqualTo(x * 10 + y * 5 + c * 30);
                }
            }
        }
    }

    @Test
    void bufferedImagesOfAnyRgbLayoutConvertToTheSameBytes() {
        BufferedImage packed = new BufferedImage(21, 11, BufferedImage.TYPE_INT_ARGB);
        fill(packed.getRaster(), (x, y, c) -> c == 3 ? x * 12 : x * 5 + y * 3 + c * 50);
        BufferedImage interleaved = new BufferedImage(21, 11, BufferedImage.TYPE_3BYTE_BGR);
        fill(interleaved.getRaster(), (x, y, c) -> x * 5 + y * 3 + c * 50);

        RgbImage fromPacked = ImageLoader.fromBufferedImage(packed);
        RgbImage fromInterleaved = ImageLoader.fromBufferedImage(interleaved);
        RgbImage fromSubimage = ImageLoader.fromBufferedImage(interleaved.getSubimage(3, 2, 5, 4));

        assertThat(fromPacked.rgb()).isEqualTo(fromInterleaved.rgb());
        assertThat(fromInterleaved.sample(20, 10, 2)).isEqualTo(20 * 5 + 10 * 3 + 100);
        assertThat(fromSubimage.width()).isEqualTo(5);
        assertThat(fromSubimage.sample(0, 0, 0)).isEqualTo(3 * 5 + 2 * 3);
        assertThat(fromSubimage.sample(4, 3, 1)).isEqualTo(7 * 5 + 5 * 3 + 50);
    }

    @Test
    void missingFileIsAnIoError() {
        assertThatThrownBy(() -> ImageLoader.load(dir.resolve("nope.png"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void emptyFileDirectoryAndNonImagesAreRejected() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.png"));
        Path text = Files.writeString(dir.resolve("notes.png"), "this is not an image\n");

        assertThatThrownBy(() -> ImageLoader.load(empty)).isInstanceOf(ImageFormatException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> ImageLoader.load(dir)).isInstanceOf(ImageFormatException.class).hasMessageContaining("directory");
        assertThatThrownBy(() -> ImageLoader.load(text)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("not a JPEG or PNG");
    }

    @Test
    void otherFormatsAreNamedAndRejected() throws Exception {
        BufferedImage small = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
        Path gif = dir.resolve("small.gif");
        assertThat(ImageIO.write(small, "gif", gif.toFile())).isTrue();

        assertThatThrownBy(() -> ImageLoader.load(gif)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("unsupported image format GIF");
    }

    @Test
    void cmykJpegIsRejectedClearly() throws Exception {
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 8, 4, null);
        Path jpeg = dir.resolve("cmyk.jpg");
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(jpeg.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(cmyk, null, null), null);
        } finally {
            writer.dispose();
        }

        assertThatThrownBy(() -> ImageLoader.load(jpeg)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("4 components");
    }

    @ParameterizedTest
    @ValueSource(strings = {"astronaut.png", "camera.png", "chelsea.png", "clip_diagram.png", "coffee.png",
        "llama0-banner_1280x640.png", "rocket.jpg", "retina.jpg", "hubble_deep_field.jpg"})
    void truncatedFilesGiveOneClearError(String name) throws Exception {
        byte[] bytes = Files.readAllBytes(TestData.path("images/" + name));
        for (int keep : new int[] {1, 8, 30, 100, bytes.length / 3, bytes.length / 2, bytes.length - 200}) {
            Path cut = Files.write(dir.resolve(keep + "-" + name), Arrays.copyOf(bytes, keep));

            assertThatThrownBy(() -> ImageLoader.load(cut)).as("first %d bytes", keep)
                    .isInstanceOf(ImageFormatException.class)
                    .hasMessageStartingWith("cannot read image " + cut + ": ")
                    .hasMessageNotContaining("\n");
        }
    }

    /** PNG damage is caught by zlib's checksum; damaged JPEG entropy data mostly decodes to garbage, as in libjpeg and stb_image. */
    @ParameterizedTest
    @CsvSource({"astronaut.png, true", "camera.png, true", "chelsea.png, true", "clip_diagram.png, true", "coffee.png, true",
        "llama0-banner_1280x640.png, true", "rocket.jpg, false", "retina.jpg, false", "hubble_deep_field.jpg, false"})
    void corruptedFilesDecodeOrFailCleanly(String name, boolean detectable) throws Exception {
        byte[] bytes = Files.readAllBytes(TestData.path("images/" + name));
        Random random = new Random(name.hashCode());
        int failures = 0;
        for (int copy = 0; copy < 8; copy++) {
            byte[] damaged = bytes.clone();
            for (int i = 0; i < 1 + copy; i++) {
                damaged[random.nextInt(damaged.length)] ^= (byte) (1 + random.nextInt(255));
            }
            Path file = Files.write(dir.resolve(copy + "-" + name), damaged);
            try {
                RgbImage image = ImageLoader.load(file);
                assertThat(image.rgb()).hasSize(3 * image.width() * image.height());
            } catch (ImageFormatException e) {
                failures++;
                assertThat(e.getMessage()).startsWith("cannot read image ").doesNotContain("\n");
            }
        }
        if (detectable) {
            assertThat(failures).as("some of the damaged copies are detected").isPositive();
        }
    }

    @Test
    void decompressionBombIsRejectedFromTheHeader() throws Exception {
        Path bomb = Files.write(dir.resolve("bomb.png"), pngHeaderOnly(200_000, 200_000));

        assertThatThrownBy(() -> ImageLoader.load(bomb)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("200000x200000")
                .hasMessageContaining("limit of " + ImageLoader.DEFAULT_MAX_PIXELS);
    }

    @Test
    void pixelLimitIsConfigurable() throws Exception {
        Path file = TestData.path("images/camera.png");

        assertThat(ImageLoader.load(file, 512 * 512).width()).isEqualTo(512);
        assertThatThrownBy(() -> ImageLoader.load(file, 512 * 512 - 1)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("more than the limit");
    }

    // ---- helpers

    private interface SampleFunction {
        int sample(int x, int y, int band);
    }

    private static void fill(WritableRaster raster, SampleFunction f) {
        for (int y = 0; y < raster.getHeight(); y++) {
            for (int x = 0; x < raster.getWidth(); x++) {
                for (int c = 0; c < raster.getNumBands(); c++) {
                    raster.setSample(x, y, c, f.sample(x, y, c));
                }
            }
        }
    }

    private Path writePng(BufferedImage image, String name, boolean interlaced) throws IOException {
        Path file = dir.resolve(name);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setProgressiveMode(interlaced ? ImageWriteParam.MODE_DEFAULT : ImageWriteParam.MODE_DISABLED);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return file;
    }

    private static void writeJpeg(BufferedImage image, Path file, boolean progressive) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.95f);
        param.setProgressiveMode(progressive ? ImageWriteParam.MODE_DEFAULT : ImageWriteParam.MODE_DISABLED);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    private static BufferedImage toBufferedImage(RgbImage image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
        fill(out.getRaster(), image::sample);
        return out;
    }

    /** Inserts an EXIF APP1 segment (little-endian TIFF, one IFD entry: Orientation) after SOI. */
    private static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        ByteBuffer tiff = ByteBuffer.allocate(26).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        tiff.put(new byte[] {'I', 'I', 42, 0}).putInt(8).putShort((short) 1)
                .putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0)
                .putInt(0);
        byte[] payload = new byte[6 + tiff.capacity()];
        System.arraycopy("Exif\0\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, payload, 0, 6);
        System.arraycopy(tiff.array(), 0, payload, 6, tiff.capacity());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(0xFF);
        out.write(0xE1);
        out.write((payload.length + 2) >> 8);
        out.write((payload.length + 2) & 0xFF);
        out.write(payload, 0, payload.length);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /** A PNG whose IHDR claims width×height RGB and whose data is a few bytes: only the header is valid. */
    private static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        writeChunk(out, "IHDR", ihdr.array());
        writeChunk(out, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00});
        writeChunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void writeChunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static double[] meanColour(RgbImage image) {
        double[] sum = new double[3];
        byte[] rgb = image.rgb();
        for (int i = 0; i < rgb.length; i++) {
            sum[i % 3] += rgb[i] & 0xFF;
        }
        int pixels = image.width() * image.height();
        return new double[] {sum[0] / pixels, sum[1] / pixels, sum[2] / pixels};
    }

    private static long distinctColours(RgbImage image) {
        byte[] rgb = image.rgb();
        java.util.BitSet seen = new java.util.BitSet(1 << 24);
        for (int i = 0; i < rgb.length; i += 3) {
            seen.set((rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | (rgb[i + 2] & 0xFF));
        }
        return seen.cardinality();
    }

    private static double meanAbsoluteDifference(RgbImage a, RgbImage b) {
        assertThat(a.width()).isEqualTo(b.width());
        assertThat(a.height()).isEqualTo(b.height());
        long sum = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            sum += Math.abs((a.rgb()[i] & 0xFF) - (b.rgb()[i] & 0xFF));
        }
        return (double) sum / a.rgb().length;
    }
}
