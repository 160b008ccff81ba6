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
        float[] image = new float[3 * 4];
        List<Input> inputs = MultimodalPrompt.build(tokenizer, "Once upon <image>\na time", List.of(image), 4);
        assertThat(inputs).hasSize(3);
        int[] before = ((Input.Tokens) inputs.get(0)).ids();
        assertThat(before[0]).isEqualTo(tokenizer.bosId());
        assertThat(before).containsExactly(tokenizer.encode("Once upon ", true, true));
        assertThat(inputs.get(1)).isEqualTo(new Input.Embeddings(image, 3));
        int[] after = ((Input.Tokens) inputs.get(2)).ids();
        assertThat(after).doesNotContain(tokenizer.bosId()).containsExactly(tokenizer.encode("\na time", false, true));
    }

    @Test
    void severalImagesFollowTheirPlaceholdersInOrder() {
        float[] first = new float[8];
        float[] second = new float[4];
        List<Input> inputs = MultimodalPrompt.build(tokenizer, "<image><image> compare", List.of(first, second), 4);
        assertThat(inputs).extracting(Input::count).containsExactly(1, 2, 1, tokenizer.encode(" compare", false, true).length);
        assertThat(((Input.Tokens) inputs.get(0)).ids()).containsExactly(tokenizer.bosId());
        assertThat(((Input.Embeddings) inputs.get(1)).rows()).isSameAs(first);
        assertThat(((Input.Embeddings) inputs.get(2)).rows()).isSameAs(second);
        assertThat(MultimodalPrompt.placeholders("<image> a <image>")).isEqualTo(2);
    }

    @Test
    void placeholdersAndImagesMustPairUp() {
        assertThatThrownBy(() -> MultimodalPrompt.build(tokenizer, "no image here", List.of(new float[4]), 4))
                .hasMessageContaining("0 <image> placeholder(s) for 1 image(s)");
        assertThatThrownBy(() -> MultimodalPrompt.build(tokenizer, "<image>", List.of(new float[6]), 4))
                .hasMessageContaining("not rows of the model's n_embd 4");
    }
}
