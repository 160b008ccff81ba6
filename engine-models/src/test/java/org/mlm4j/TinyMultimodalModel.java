package org.mlm4j;

import org.mlm4j.models.llm.ModelConfig.Architecture;
import org.mlm4j.models.llm.RandomModel;
import org.mlm4j.models.vision.ProjectorType;
import org.mlm4j.models.vision.RandomMmproj;
import org.mlm4j.tensor.GgmlType;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A random LLaMA with n_embd 256 and a random LDPv2 mmproj projecting to 256 (24×24 patches of a
 * 48-pixel image, so 144 image tokens): the oracle's mmproj projects to 256 but its LMs are 128 wide.
 */
public record TinyMultimodalModel(Path model, Path mmproj) {

    public static TinyMultimodalModel write(Path dir) throws IOException {
        Path model = dir.resolve("llama-e256.gguf");
        RandomModel.write(new RandomModel.Dims("e256", Architecture.LLAMA, 256, 2, 512, 4, 4, 512, 512, 64),
                GgmlType.F32, 1, model);
        Path mmproj = dir.resolve("mmproj-ldpv2-e256.gguf");
        RandomMmproj.write(mmproj, new RandomMmproj.Shape(48, 2, 32, 4, 64, 2, 256, ProjectorType.LDPV2, false),
                GgmlType.F16, 2);
        return new TinyMultimodalModel(model, mmproj);
    }
}
