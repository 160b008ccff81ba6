package org.mlm4j.models.mamba;

import org.mlm4j.gguf.GgufFile;
import org.mlm4j.models.llm.InvalidModelException;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Tensor;

import java.util.Arrays;

/** Looks up Mamba tensors and checks their shapes and types before any kernel reads them. */
final class MambaWeights {
    private MambaWeights() {
    }

    /** The tensor {@code name} with shape {@code ne} (ggml order), of a type mlm4j computes. */
    static Tensor shaped(GgufFile file, String name, long... ne) {
        if (!file.hasTensor(name)) {
            throw new InvalidModelException("mamba: tensor '" + name + "' is missing");
        }
        Tensor t = file.tensor(name);
        for (int i = 0; i < Math.max(ne.length, t.rank()); i++) {
            if (t.ne(i) != (i < ne.length ? ne[i] : 1)) {
                throw new InvalidModelException("mamba: tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(ne));
            }
        }
        t.type().requireComputable("tensor '" + name + "'");
        return t;
    }

    /** {@code t}, which the scan reads as raw little-endian floats. */
    static Tensor f32(Tensor t) {
        if (t.type() != GgmlType.F32) {
            throw new InvalidModelException("mamba: tensor '" + t.name() + "' must be f32, is " + t.type().ggmlName());
        }
        return t;
    }
}
