package org.mlm4j.cli;

import org.mlm4j.gguf.GgufFile;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code mlm4j inspect FILE.gguf [--json]}: what a GGUF file holds, from its header alone. */
final class InspectCommand implements Command {
    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String summary() {
        return "show a GGUF file: architecture, hyper-parameters, metadata, tensors";
    }

    @Override
    public String help() {
        return """
                usage: mlm4j inspect FILE.gguf [--json]

                Shows what a GGUF file (v2 or v3) holds: the architecture and its key hyper-parameters
                under llama.cpp's names (n_vocab, n_embd, n_layer, n_head, n_head_kv, n_ff, ... for
                llama, phi2, phi3 and mamba; image_size, patch_size, projector_type, ... for clip),
                every metadata key with its type (long arrays summarised), the tensor table (name,
                type, shape in ggml order, parameters, bytes, file offset), totals and the bytes per
                tensor type. Only the header is read: the file is mapped, not loaded.

                options:
                  --json      the same as JSON, for scripts (arrays longer than 8 give their length
                              and first 3 elements)
                  --verbose   a stack trace with errors

                exit status: 0 done, 2 bad input (missing file, not a GGUF file, corrupt GGUF)
                """;
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        boolean json = options.flag("json");
        options.finish();
        List<String> files = options.positional();
        if (files.size() != 1) {
            throw new UsageException(files.isEmpty() ? "needs a FILE.gguf" : "takes one file, got " + files.size());
        }
        try (GgufFile file = GgufFile.open(Path.of(files.getFirst()))) {
            GgufReport report = new GgufReport(file);
            out.print(json ? Json.write(report.toJson()) : report.toText());
        }
        return 0;
    }
}
