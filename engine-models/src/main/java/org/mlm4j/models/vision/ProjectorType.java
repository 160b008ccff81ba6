package org.mlm4j.models.vision;

import java.util.Arrays;

/** The projector families mlm4j runs, by their {@code clip.projector_type} name. */
public enum ProjectorType {
    /** LLaVA-1.5 {@code mlp2x_gelu}: Linear, GELU, Linear. */
    MLP("mlp"),
    /** MobileVLM {@code ldpnet}: MLP, then two inverted-residual blocks (the second with stride 2). */
    LDP("ldp"),
    /** MobileVLM V2 {@code ldpnetv2}: MLP, 2×2 average pool, positional depthwise convolution. */
    LDPV2("ldpv2");

    private final String ggufName;

    ProjectorType(String ggufName) {
        this.ggufName = ggufName;
    }

    public String ggufName() {
        return ggufName;
    }

    /** The type named in the file; other llama.cpp projectors (resampler, adapter, ...) are rejected by name. */
    public static ProjectorType fromGguf(String name) {
        for (ProjectorType t : values()) {
            if (t.ggufName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported projector type '" + name + "' (clip.projector_type); mlm4j runs "
                + String.join(", ", Arrays.stream(values()).map(ProjectorType::ggufName).toList()));
    }

    @Override
    public String toString() {
        return ggufName;
    }
}
