package org.mlm4j.models.vision.image;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which reference the vision path reproduces (command-line {@code --vision-preset pytorch|llamacpp}).
 * Preprocessing differs as follows (testdata/oracle/PYTORCH-PRESET.md and NUMERICS.md Part B):
 * <table>
 * <tr><th></th><th>{@link #PYTORCH}</th><th>{@link #LLAMACPP}</th></tr>
 * <tr><td>pad to square</td><td>centred, colour {@code int(mean·255)}</td><td>top-left, colour (122,116,104)</td></tr>
 * <tr><td>resize</td><td>Pillow BICUBIC, antialiased, fixed point</td><td>clip.cpp 2-tap bilinear, float32</td></tr>
 * <tr><td>to [0,1]</td><td>{@code (float)(u8 · (1/255.0))}</td><td>{@code (float)u8 / 255f}</td></tr>
 * </table>
 */
public enum VisionPreset {
    /** What the original MobileVLM / LLaVA models compute (HF CLIPImageProcessor after expand2square). The default. */
    PYTORCH,
    /** The numbers of llama.cpp c392e50's clip.cpp, quirks included. */
    LLAMACPP;

    public static final VisionPreset DEFAULT = PYTORCH;

    /** The command-line spelling: {@code pytorch} or {@code llamacpp}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static VisionPreset fromName(String name) {
        for (VisionPreset preset : values()) {
            if (preset.cliName().equalsIgnoreCase(name)) {
                return preset;
            }
        }
        throw new IllegalArgumentException("unknown vision preset '" + name + "' (expected one of "
                + Arrays.stream(values()).map(VisionPreset::cliName).collect(Collectors.joining(", ")) + ")");
    }
}
