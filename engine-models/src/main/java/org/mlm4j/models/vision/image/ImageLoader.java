package org.mlm4j.models.vision.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes a JPEG or PNG file to 8-bit RGB with {@code javax.imageio}, giving the bytes both
 * reference pipelines see: stb_image {@code stbi_load(path, .., 3)} (llama.cpp clip.cpp) and
 * Pillow {@code Image.open(path).convert("RGB")} (MobileVLM, LLaVA).
 * <ul>
 * <li>Alpha is dropped without compositing: a transparent pixel keeps its stored RGB.</li>
 * <li>Grayscale becomes R = G = B; 1/2/4-bit gray is scaled to 0..255 (×255, ×85, ×17).</li>
 * <li>16-bit samples keep their high byte ({@code v >> 8}, stb_image's {@code stbi__convert_16_to_8};
 *     Pillow agrees for RGB, while its "I" mode for 16-bit gray would clip to 255 instead).</li>
 * <li>Palette images are expanded through the palette.</li>
 * <li>The stored samples are used as they are: no ICC/gAMA colour management and no EXIF
 *     orientation, as neither stb_image nor {@code Image.open().convert("RGB")} applies them.</li>
 * </ul>
 * JPEG pixels come from the JDK's libjpeg-based decoder: identical to Pillow's on the test photos,
 * and within ±3 of stb_image's own IDCT and colour conversion. Anything unusable (empty, truncated, corrupt, CMYK,
 * other formats, more than {@link #DEFAULT_MAX_PIXELS} pixels) raises {@link ImageFormatException};
 * the size is checked from the header before any pixel memory is allocated.
 */
public final class ImageLoader {
    /** Images above 100 megapixels are refused (decompression-bomb guard). */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

    private static final List<String> FORMATS = List.of("png", "jpeg");

    private ImageLoader() {
    }

    public static RgbImage load(Path file) throws IOException {
        return load(file, DEFAULT_MAX_PIXELS);
    }

    /** Decodes {@code file}; I/O problems (missing file, no permission) stay {@link IOException}s. */
    public static RgbImage load(Path file, long maxPixels) throws IOException {
        if (Files.isDirectory(file)) {
            throw new ImageFormatException(file, "is a directory");
        }
        if (Files.size(file) == 0) {
            throw new ImageFormatException(file, "empty file");
        }
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            ImageReader reader = readerFor(file, in);
            try {
                reader.setInput(in, true, true);
                return decode(file, reader, maxPixels);
            } finally {
                reader.dispose();
            }
        }
    }

    private static ImageReader readerFor(Path file, ImageInputStream in) throws IOException {
        List<String> others = new ArrayList<>();
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        while (readers.hasNext()) {
            ImageReader reader = readers.next();
            String format = reader.getFormatName().toLowerCase(Locale.ROOT);
            if (FORMATS.contains(format)) {
                return reader;
            }
            others.add(format);
            reader.dispose();
        }
        throw new ImageFormatException(file, others.isEmpty()
                ? "not a JPEG or PNG image"
                : "unsupported image format " + others.getFirst().toUpperCase(Locale.ROOT) + " (JPEG and PNG are supported)");
    }

    private static RgbImage decode(Path file, ImageReader reader, long maxPixels) throws IOException {
        int width;
        int height;
        BufferedImage image;
        List<String> truncation = new ArrayList<>();
        try {
            width = reader.getWidth(0);
            height = reader.getHeight(0);
            if (width <= 0 || height <= 0) {
                throw new ImageFormatException(file, "invalid size " + width + "x" + height);
            }
            if ((long) width * height > maxPixels) {
                throw new ImageFormatException(file, width + "x" + height + " is " + (long) width * height
                        + " pixels, more than the limit of " + maxPixels);
            }
            reader.addIIOReadWarningListener((source, warning) -> {
                if (warning.toLowerCase(Locale.ROOT).contains("premature end")) {
                    truncation.add(warning);
                }
            });
            image = reader.read(0, storedSamplesParam(reader));
        } catch (IIOException e) {
            throw new ImageFormatException(file, describe(reader, e), e);
        } catch (ImageFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            // ImageIO's decoders signal some malformed streams with unchecked exceptions.
            throw new ImageFormatException(file, "corrupt " + formatName(reader) + " data (" + e + ")", e);
        }
        if (!truncation.isEmpty()) {
            throw new ImageFormatException(file, "truncated " + formatName(reader) + " data (" + truncation.getFirst() + ")");
        }
        if (image.getWidth() != width || image.getHeight() != height) {
            throw new ImageFormatException(file, "decoded size " + image.getWidth() + "x" + image.getHeight()
                    + " differs from the header's " + width + "x" + height);
        }
        try {
            return fromBufferedImage(image);
        } catch (IllegalArgumentException e) {
            throw new ImageFormatException(file, e.getMessage(), e);
        }
    }

    /**
     * The JDK's JPEG reader converts pixels from an embedded ICC profile to sRGB unless the
     * destination is the profile's own colour space; asking for that space keeps the stored
     * samples, as stb_image and Pillow do. Other readers never convert.
     */
    private static ImageReadParam storedSamplesParam(ImageReader reader) throws IOException {
        ImageReadParam param = reader.getDefaultReadParam();
        Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        if (!types.hasNext()) {
            return param;
        }
        int components = types.next().getColorModel().getNumColorComponents();
        while (types.hasNext()) {
            ImageTypeSpecifier type = types.next();
            ColorSpace space = type.getColorModel().getColorSpace();
            if (type.getColorModel().getNumColorComponents() == components
                    && space != ColorSpace.getInstance(ColorSpace.CS_sRGB) && space != ColorSpace.getInstance(ColorSpace.CS_GRAY)) {
                param.setDestinationType(type);
                break;
            }
        }
        return param;
    }

    private static String describe(ImageReader reader, IIOException e) {
        StringBuilder reason = new StringBuilder("corrupt or unsupported ").append(formatName(reader)).append(" data: ")
                .append(e.getMessage());
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            reason.append(" (").append(cause instanceof java.io.EOFException ? "file ends too early" : cause.toString()).append(')');
        }
        return reason.toString();
    }

    private static String formatName(ImageReader reader) {
        try {
            return reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            return "image";
        }
    }

    /**
     * The image's stored colour samples as 8-bit RGB, by the rules in the class comment (for
     * callers that already hold a {@link BufferedImage}); an unsupported colour model (CMYK, ...)
     * is an {@link IllegalArgumentException}.
     */
    public static RgbImage fromBufferedImage(BufferedImage image) {
        ColorModel model = image.getColorModel();
        Raster raster = image.getRaster();
        int width = image.getWidth();
        int height = image.getHeight();
        byte[] rgb = new byte[Math.multiplyExact(3, Math.multiplyExact(width, height))];
        if (model instanceof IndexColorModel palette) {
            expandPalette(palette, raster, rgb);
            return new RgbImage(width, height, rgb);
        }
        int colourType = model.getColorSpace().getType();
        int[] bands;
        if (model.getNumColorComponents() == 1 && colourType == ColorSpace.TYPE_GRAY) {
            bands = new int[] {0, 0, 0};
        } else if (model.getNumColorComponents() == 3 && colourType == ColorSpace.TYPE_RGB) {
            bands = new int[] {0, 1, 2};
        } else {
            throw new IllegalArgumentException("unsupported colour space with " + model.getNumColorComponents()
                    + " components (CMYK/YCCK?); only RGB and grayscale images are supported");
        }
        int bits = model.getComponentSize(0);
        if (bits == 8 && raster.getDataBuffer() instanceof DataBufferByte bytes
                && raster.getSampleModel() instanceof ComponentSampleModel layout
                && bytes.getNumBanks() == 1 && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0) {
            copyInterleavedBytes(bytes.getData(), bytes.getOffset(), layout, bands, width, height, rgb);
        } else {
            copySamples(raster, bands, bits, rgb);
        }
        return new RgbImage(width, height, rgb);
    }

    /** Fast path for 8-bit images stored one byte per sample (what the PNG and JPEG readers give for 8-bit data). */
    private static void copyInterleavedBytes(byte[] data, int base, ComponentSampleModel layout, int[] bands,
            int width, int height, byte[] rgb) {
        int pixelStride = layout.getPixelStride();
        int rowStride = layout.getScanlineStride();
        int r = layout.getBandOffsets()[bands[0]];
        int g = layout.getBandOffsets()[bands[1]];
        int b = layout.getBandOffsets()[bands[2]];
        int out = 0;
        for (int y = 0; y < height; y++) {
            int in = base + y * rowStride;
            for (int x = 0; x < width; x++, in += pixelStride, out += 3) {
                rgb[out] = data[in + r];
                rgb[out + 1] = data[in + g];
                rgb[out + 2] = data[in + b];
            }
        }
    }

    /** Any other sample layout, one row and band at a time; samples of other depths are scaled to 8 bits. */
    private static void copySamples(Raster raster, int[] bands, int bits, byte[] rgb) {
        int width = raster.getWidth();
        int[] row = new int[width];
        for (int y = 0; y < raster.getHeight(); y++) {
            for (int c = 0; c < 3; c++) {
                raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, bands[c], row);
                int out = 3 * y * width + c;
                for (int x = 0; x < width; x++, out += 3) {
                    rgb[out] = (byte) to8Bits(row[x], bits);
                }
            }
        }
    }

    /** 16 bits keep the high byte (stb_image); fewer than 8 bits are stretched to 0..255 (PNG gray 1/2/4-bit). */
    static int to8Bits(int sample, int bits) {
        if (bits == 8) {
            return sample;
        }
        if (bits > 8) {
            return sample >>> (bits - 8);
        }
        return sample * 255 / ((1 << bits) - 1);
    }

    private static void expandPalette(IndexColorModel palette, Raster raster, byte[] rgb) {
        int entries = palette.getMapSize();
        byte[] reds = new byte[entries];
        byte[] greens = new byte[entries];
        byte[] blues = new byte[entries];
        palette.getReds(reds);
        palette.getGreens(greens);
        palette.getBlues(blues);
        int width = raster.getWidth();
        int[] row = new int[width];
        int out = 0;
        for (int y = 0; y < raster.getHeight(); y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, 0, row);
            for (int x = 0; x < width; x++, out += 3) {
                int index = row[x];
                if (index >= entries) {
                    throw new IllegalArgumentException("palette index " + index + " outside the " + entries + "-colour palette");
                }
                rgb[out] = reds[index];
                rgb[out + 1] = greens[index];
                rgb[out + 2] = blues[index];
            }
        }
    }
}
