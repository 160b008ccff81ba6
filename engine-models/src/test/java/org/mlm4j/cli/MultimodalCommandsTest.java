package org.mlm4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.TinyMultimodalModel;
import org.mlm4j.testing.TestData;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code generate --mmproj --image} and {@code chat} with {@code /image} on {@link TinyMultimodalModel}. */
class MultimodalCommandsTest {
    @TempDir
    static Path dir;
    static TinyMultimodalModel tiny;
    static String landscape;
    static String portrait;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void writeModels() throws Exception {
        tiny = TinyMultimodalModel.write(dir);
        landscape = TestData.path("oracle/vision/images/synth_640x480.png").toString();
        portrait = TestData.path("oracle/vision/images/synth_240x320.png").toString();
    }

    private int generate(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "generate";
        System.arraycopy(args, 0, all, 1, args.length);
        return Main.run(all, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void generateWrapsAPlainPromptInTheMobileVlmFormat() {
        int code = generate("--model", tiny.model().toString(), "--mmproj", tiny.mmproj().toString(),
                "--image", landscape, "--prompt", "What is in the image?", "-n", "3", "--temp", "0", "--threads", "1");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("A chat between a curious user and an artificial intelligence assistant.")
                .contains("USER: <image>\nWhat is in the image? ASSISTANT:");
        assertThat(err.toString()).contains("image synth_640x480.png 640x480 -> 144 tokens x 256: decode")
                .containsPattern("prompt [0-9]+ tokens");
    }

    @Test
    void generateTakesSeveralImagesAtTheirPlaceholders() {
        int code = generate("--model", tiny.model().toString(), "--mmproj", tiny.mmproj().toString(),
                "--image", landscape + "," + portrait, "--prompt", "<image> vs <image>:", "-n", "2", "--temp", "0");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("<image> vs <image>:");
        assertThat(err.toString()).contains("synth_640x480.png", "synth_240x320.png");

        assertThat(generate("--model", tiny.model().toString(), "--mmproj", tiny.mmproj().toString(),
                "--image", landscape, "--prompt", "<image> vs <image>:")).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(err.toString()).contains("the prompt has 2 <image> placeholder(s) for 1 image(s)");
        assertThat(generate("--model", tiny.model().toString(), "--image", landscape, "--prompt", "x"))
                .isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(err.toString()).contains("--image needs --mmproj");
    }

    @Test
    void chatAttachesAnImageToTheNextMessage() throws Exception {
        String session = "/image " + landscape + "\nWhat is it?\n/image /no/such/file.png\n/exit\n";
        ChatCommand chat = new ChatCommand(new ByteArrayInputStream(session.getBytes(StandardCharsets.UTF_8)));
        int code = chat.run(new Options("chat", List.of("--model", tiny.model().toString(), "--mmproj",
                tiny.mmproj().toString(), "--template", "mobilevlm", "-n", "2", "--temp", "0")),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).contains("image synth_640x480.png 640x480 -> 144 tokens x 256")
                .contains("mlm4j chat: no such file: /no/such/file.png")
                .containsPattern("prompt [0-9]{3} tokens");
    }
}
