package org.mlm4j.models.vision;

import org.mlm4j.models.llm.Input;
import org.mlm4j.models.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A prompt with {@code <image>} placeholders turned into the inputs a session evaluates, as
 * llama.cpp's llava flow does (oracle/NUMERICS.md Part B §7): the text before the first image is
 * tokenized with BOS, every later piece of text without; each placeholder becomes the next
 * image's embeddings at the following positions. Special tokens in the text are parsed.
 */
public final class MultimodalPrompt {
    public static final String IMAGE_PLACEHOLDER = "<image>";

    private MultimodalPrompt() {
    }

    /** How many {@code <image>} placeholders {@code text} holds. */
    public static int placeholders(String text) {
        return text.split(Pattern.quote(IMAGE_PLACEHOLDER), -1).length - 1;
    }

    /**
     * The inputs for {@code text}: token runs and, for placeholder i, the rows of {@code images.get(i)}
     * ({@code [tokens][width]}, as {@code VisionEncoder.encode} returns them). The first piece of text
     * takes BOS when {@code bos} is set (and the vocabulary adds one); empty text adds no tokens.
     *
     * @throws IllegalArgumentException when the placeholders and images do not pair up, or an image's
     *                                  rows are not {@code width} wide (the mmproj was made for another model)
     */
    public static List<Input> build(Tokenizer tokenizer, String text, List<float[][]> images, int width, boolean bos) {
        String[] pieces = text.split(Pattern.quote(IMAGE_PLACEHOLDER), -1);
        if (pieces.length - 1 != images.size()) {
            throw new IllegalArgumentException("the prompt has " + (pieces.length - 1) + " " + IMAGE_PLACEHOLDER
                    + " placeholder(s) for " + images.size() + " image(s)");
        }
        List<Input> inputs = new ArrayList<>();
        for (int i = 0; i < pieces.length; i++) {
            int[] ids = tokenizer.encode(pieces[i], bos && i == 0, true);
            if (ids.length > 0) {
                inputs.add(Input.tokens(ids));
            }
            if (i < images.size()) {
                inputs.add(embeddings(images.get(i), width, i + 1));
            }
        }
        return inputs;
    }

    private static Input embeddings(float[][] rows, int width, int number) {
        float[] flat = new float[rows.length * width];
        for (int t = 0; t < rows.length; t++) {
            if (rows[t].length != width) {
                throw new IllegalArgumentException("image " + number + " has embeddings of width " + rows[t].length
                        + " but the language model's n_embd is " + width + " (an mmproj made for another model?)");
            }
            System.arraycopy(rows[t], 0, flat, t * width, width);
        }
        return Input.embeddings(flat, rows.length);
    }
}
