package org.mlm4j.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mlm4j.models.llm.ModelConfig.Architecture;
import org.mlm4j.models.llm.RandomModel;
import org.mlm4j.models.mamba.RandomMambaModel;
import org.mlm4j.tensor.GgmlType;

/** {@code make-model}: writes a random-weight model at a real model's dimensions (for benchmarks). */
final class MakeModelCommand implements Command {

    @Override
    public String name() {
        return "make-model";
    }

    @Override
    public String summary() {
        return "(dev) write a random-weight GGUF model at real dimensions, for benchmarks";
    }

    @Override
    public String help() {
        return """
                usage: mlm4j make-model --dims NAME [--arch llama|phi2|phi3] [--type q4_0] [--seed S] --out F.gguf

                Writes a model with random weights at the dimensions of a real one (for `bench model`;
                its text is meaningless). --arch reuses the dims with another block. Dims: %s.
                --type: the matrices' type (f32, f16, q8_0, q4_0, q4_k, ...; default q4_0).
                """.formatted(String.join(", ", java.util.stream.Stream.concat(
                        RandomModel.Dims.KNOWN.stream().map(RandomModel.Dims::name),
                        RandomMambaModel.Dims.KNOWN.stream().map(RandomMambaModel.Dims::name)).toList()));
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        RandomMambaModel.Dims mamba = RandomMambaModel.Dims.find(options.requiredString("dims"));
        if (mamba != null) {
            return writeMamba(mamba, options, err);
        }
        RandomModel.Dims dims;
        try {
            dims = RandomModel.Dims.byName(options.requiredString("dims"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String arch = options.string("arch", null);
        if (arch != null) {
            Architecture a = Architecture.byGgufName(arch);
            if (a == null) {
                throw new UsageException("--arch is llama, phi2 or phi3, got '" + arch + "'");
            }
            dims = dims.as(a);
        }
        GgmlType type = matrixType(options);
        long seed = options.integer("seed", 1);
        Path file = options.requiredPath("out");
        options.finish();
        long t0 = System.nanoTime();
        RandomModel.write(dims, type, seed, file);
        reportWritten(err, file, dims.name(), type, t0);
        return 0;
    }

    private static int writeMamba(RandomMambaModel.Dims dims, Options options, PrintStream err) throws Exception {
        GgmlType type = matrixType(options);
        long seed = options.integer("seed", 1);
        Path file = options.requiredPath("out");
        options.finish();
        long t0 = System.nanoTime();
        RandomMambaModel.write(dims, type, seed, file);
        reportWritten(err, file, dims.name(), type, t0);
        return 0;
    }

    private static GgmlType matrixType(Options options) {
        String typeName = options.string("type", "q4_0");
        GgmlType type = GgmlType.byName(typeName);
        if (type == null || !type.computable) {
            throw new UsageException("--type '" + typeName + "' is not a tensor type mlm4j computes");
        }
        return type;
    }

    private static void reportWritten(PrintStream err, Path file, String dims, GgmlType type, long t0) throws java.io.IOException {
        err.printf("wrote %s (%s %s, %.1f MB) in %.1f s%n", file, dims, type.ggmlName(),
                Files.size(file) / 1e6, (System.nanoTime() - t0) / 1e9);
    }
}
