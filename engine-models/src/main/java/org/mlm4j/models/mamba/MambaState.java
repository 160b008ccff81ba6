package org.mlm4j.models.mamba;

/**
 * The recurrent state of one sequence: per layer the last d_conv − 1 inputs of the causal
 * convolution and the d_inner × d_state SSM state. Its size does not depend on the context
 * length, which is Mamba's point: decoding costs the same at token 10 and token 100 000.
 */
final class MambaState {
    private final Layer[] layers;

    /** One layer's state: conv [d_inner][d_conv − 1] (oldest first), ssm [d_inner][d_state]. */
    record Layer(float[] conv, float[] ssm) {
    }

    MambaState(MambaConfig c) {
        layers = new Layer[c.blockCount()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new Layer(new float[c.innerSize() * (c.convKernel() - 1)], new float[c.innerSize() * c.stateSize()]);
        }
    }

    Layer layer(int i) {
        return layers[i];
    }

    void clear() {
        for (Layer l : layers) {
            java.util.Arrays.fill(l.conv, 0f);
            java.util.Arrays.fill(l.ssm, 0f);
        }
    }

    /** Bytes held, for the memory report of {@code bench}. */
    long bytes() {
        long n = 0;
        for (Layer l : layers) {
            n += 4L * (l.conv.length + l.ssm.length);
        }
        return n;
    }
}
