package org.mlm4j.cli;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mlm4j.models.llm.CausalLM;
import org.mlm4j.models.llm.Input;
import org.mlm4j.models.llm.Session;

/** {@code logits}: evaluates token ids as one prompt and writes every position's logits. */
final class LogitsCommand implements Command {

    @Override
    public String name() {
        return "logits";
    }

    @Override
    public String summary() {
        return "write the logits of a token-id prompt (float32 LE [n_tokens][n_vocab])";
    }

    @Override
    public String help() {
        return """
                usage: mlm4j logits --model M.gguf --tokens 1,2,3 --out F.bin [model options]

                Evaluates the ids as one prompt (positions 0..n-1, no BOS added) and writes the logits
                after every position: float32 little-endian, [n_tokens][n_vocab] row-major, the layout of
                testdata/oracle/text/logits. For debugging and for comparing engines.

                """ + ModelOptions.HELP;
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        ModelOptions model = ModelOptions.read(options);
        int[] tokens = parseIds(options.requiredString("tokens"));
        Path file = options.requiredPath("out");
        options.finish();
        try (CausalLM lm = model.open(); Session session = lm.newSession(model.sessionOptions())) {
            float[] logits = session.forward(Input.tokens(tokens), Session.Logits.ALL);
            ByteBuffer bytes = ByteBuffer.allocate(logits.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(logits);
            Files.write(file, bytes.array());
            err.printf("wrote %d x %d logits to %s%n", tokens.length, lm.vocabSize(), file);
        }
        return 0;
    }

    static int[] parseIds(String list) {
        String[] parts = list.trim().split("\\s*[, ]\\s*");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new UsageException("--tokens takes comma-separated token ids, got '" + parts[i] + "'");
            }
        }
        if (ids.length == 0) {
            throw new UsageException("--tokens is empty");
        }
        return ids;
    }
}
