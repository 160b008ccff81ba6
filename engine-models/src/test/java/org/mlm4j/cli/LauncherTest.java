package org.mlm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The jar's entry point: loadable by an old java, and what it tells its user. */
class LauncherTest {
    @Test
    void readsTheFeatureReleaseOfEverySpecificationVersionScheme() {
        assertThat(Launcher.feature("1.8")).isEqualTo(8);
        assertThat(Launcher.feature("17")).isEqualTo(17);
        assertThat(Launcher.feature("25")).isEqualTo(25);
        assertThat(Launcher.feature("26-ea")).isEqualTo(26);
        assertThat(Launcher.feature("")).isZero();
        assertThat(Launcher.feature(System.getProperty("java.specification.version")))
                .isGreaterThanOrEqualTo(Launcher.REQUIRED);
    }

    @Test
    void tellsAnOldJavaWhatToRunInOneLine() {
        String message = Launcher.tooOld("17", "/usr/lib/jvm/java-17");
        assertThat(message).contains("needs Java 25 or newer").contains("Java 17 (/usr/lib/jvm/java-17)")
                .doesNotContain("\n");
    }

    /** Class file major version 52 = Java 8: the launcher must load where Main cannot. */
    @Test
    void isCompiledForJava8() throws Exception {
        try (InputStream in = Launcher.class.getResourceAsStream("Launcher.class");
             DataInputStream data = new DataInputStream(in)) {
            assertThat(data.readInt()).isEqualTo(0xCAFEBABE);
            data.readUnsignedShort();
            assertThat(data.readUnsignedShort()).isEqualTo(52);
        }
    }
}
