package org.mlm4j.models.vision;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.models.llm.Input;
import org.mlm4j.models.tokenizer.Tokenizer;
import org.mlm4j.testing.TestData;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The llava flow's prompt split: BOS before the first text only, images in place of their placeholders. */
class MultimodalPromptTest {
    private static Tokenizer tokenizer;

    @BeforeAll
    static void loadVocabulary() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.path("models/stories260K.gguf"))) {
            tokenizer = Tokenizer.fromGguf(f.metadata());
        }
    }

    @Test
    void textBeforeTheImageTakesBosAndTextAfterItDoesNot() {
        float[][] image = {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}};
        List<Input> inputs = MultimodalPrompt.build(tokenizer, "Once upon <image>\na time", List.<float[][]>of(image), 4, true);
        assertThat(inputs).hasSize(3);
        int[] before = ((Input.Tokens) inputs.get(0)).ids();
        assertThat(before[0]).isEqualTo(tokenizer.bosId());
        assertThat(before).containsExactly(tokenizer.encode("Once upon ", true, true));
        assertThat(((Input.Embeddings) inputs.get(1)).rows()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        assertThat(inputs.get(1).count()).isEqualTo(3);
        int[] after = ((Input.Tokens) inputs.get(2)).ids();
        assertThat(after).doesNotContain(tokenizer.bosId()).containsExactly(tokenizer.encode("\na time", false, true));
    }

    @Test
    void severalImagesFollowTheirPlaceholdersInOrder() {
        float[][] first = {{1, 1, 1, 1}, {2, 2, 2, 2}};
        float[][] second = {{3, 3, 3, 3}};
        List<Input> inputs = MultimodalPrompt.build(tokenizer, "<image><image> compare", List.of(first, second), 4, true);
        assertThat(inputs).extracting(Input::count).containsExactly(1, 2, 1, tokenizer.encode(" compare", false, true).length);
        assertThat(((Input.Tokens) inputs.get(0)).ids()).containsExactly(tokenizer.bosId());
        assertThat(((Input.Embeddings) inputs.get(1)).rows()).containsExactly(1, 1, 1, 1, 2, 2, 2, 2);
        assertThat(((Input.Embeddings) inputs.get(2)).rows()).containsExactly(3, 3, 3, 3);
        assertThat(MultimodalPrompt.placeholders("<image> a <image>")).isEqualTo(2);
    }

    @Test
    void placeholdersAndImagesMustPairUp() {
        assertThatThrownBy(() -> MultimodalPrompt.build(tokenizer, "no image here", List.<float[][]>of(new float[1][4]), 4, true))
                .hasMessageContaining("0 <image> placeholder(s) for 1 image(s)");
        assertThatThrownBy(() -> MultimodalPrompt.build(tokenizer, "<image>", List.<float[][]>of(new float[2][8]), 4, true))
                .hasMessageContaining("image 1 has embeddings of width 8 but the language model's n_embd is 4");
    }

    @Test
    void aContinuedConversationTakesNoBos() {
        List<Input> inputs = MultimodalPrompt.build(tokenizer, "and <image>", List.<float[][]>of(new float[1][4]), 4, false);
        assertThat(((Input.Tokens) inputs.get(0)).ids()).containsExactly(tokenizer.encode("and ", false, true));
    }
}
