package org.mlm4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Finds test data made by others (see testdata/PROVENANCE.md): first the copy bundled in this
 * repository under {@code testdata/}, then {@code ../shared/testdata} beside the clone.
 */
public final class TestData {
    private TestData() {
    }

    /** The repository root (the Maven build passes it as {@code mlm4j.root}). */
    public static Path repoRoot() {
        String root = System.getProperty("mlm4j.root");
        if (root != null) {
            return Path.of(root).toAbsolutePath().normalize();
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve(".ci"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the mlm4j repository root from " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** {@code relative} under the bundled testdata, else under ../shared/testdata; fails when in neither. */
    public static Path path(String relative) {
        Path bundled = repoRoot().resolve("testdata").resolve(relative);
        if (Files.exists(bundled)) {
            return bundled;
        }
        Path shared = repoRoot().resolveSibling("shared").resolve("testdata").resolve(relative);
        if (Files.exists(shared)) {
            return shared;
        }
        throw new IllegalStateException("test data " + relative + " is neither in " + bundled + " nor in " + shared);
    }

    /** A float32 little-endian file (logits, embeddings, preprocessed images) as floats. */
    public static float[] floats(String relative) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path(relative))).order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[b.remaining() / Float.BYTES];
            b.asFloatBuffer().get(v);
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JSON object file (oracle manifests) as nested maps and lists, see {@link Json}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> json(String relative) {
        try {
            return (Map<String, Object>) Json.parse(Files.readString(path(relative), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
