package org.mlm4j.cli;

import org.mlm4j.gguf.GgufFile;
import org.mlm4j.models.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.StringJoiner;

/** {@code mlm4j tokenize}: the token ids of a text, as llama.cpp's llama-tokenize gives them. */
final class TokenizeCommand implements Command {
    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String summary() {
        return "print the token ids of a text with a model's tokenizer";
    }

    @Override
    public String help() {
        return """
                usage: mlm4j tokenize --model M.gguf (--text TEXT | --file F) [--no-bos] [--no-parse-special] [--pieces]

                Prints the token ids of the text, space-separated, as llama.cpp's llama-tokenize
                (llama_tokenize with add_special and parse_special) gives them.

                  --model M.gguf        the model (or vocabulary-only) GGUF file whose tokenizer to use
                  --text TEXT           the text to tokenize
                  --file F              tokenize the exact UTF-8 contents of a file instead
                  --no-bos              do not add the BOS/EOS tokens the model asks for
                  --no-parse-special    treat the text of control tokens such as <|end|> as plain text
                  --pieces              one token per line: id -> 'piece' (control tokens shown;
                                        a piece that is not whole UTF-8 is shown as \\xNN bytes)
                """;
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        var model = options.requiredPath("model");
        String text = options.string("text", null);
        String file = options.string("file", null);
        boolean addSpecial = !options.flag("no-bos");
        boolean parseSpecial = !options.flag("no-parse-special");
        boolean pieces = options.flag("pieces");
        options.finish();
        if ((text == null) == (file == null)) {
            throw new UsageException("give exactly one of --text and --file");
        }
        if (!options.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + options.positional().getFirst() + "'");
        }
        if (file != null) {
            text = Files.readString(java.nio.file.Path.of(file), StandardCharsets.UTF_8);
        }
        Tokenizer tokenizer;
        try (GgufFile gguf = GgufFile.open(model)) {
            tokenizer = Tokenizer.fromGguf(gguf.metadata(), w -> err.println("mlm4j tokenize: warning: " + w));
        }
        int[] ids = tokenizer.encode(text, addSpecial, parseSpecial);
        if (pieces) {
            for (int id : ids) {
                out.printf("%6d -> '%s'%n", id, printable(tokenizer.tokenToPiece(id, true)));
            }
        } else {
            StringJoiner line = new StringJoiner(" ");
            for (int id : ids) {
                line.add(Integer.toString(id));
            }
            out.println(line);
        }
        return 0;
    }

    /** The piece as text, or as {@code \xNN} escapes when it is part of a multi-byte character. */
    private static String printable(byte[] piece) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(piece)).toString();
        } catch (CharacterCodingException e) {
            StringBuilder sb = new StringBuilder();
            for (byte b : piece) {
                sb.append(String.format("\\x%02X", b & 0xFF));
            }
            return sb.toString();
        }
    }
}
