package org.mlm4j.models.vision.image;

import java.nio.file.Path;

/** An image file cannot be used: empty, truncated, corrupt, too large or of an unsupported kind. */
public final class ImageFormatException extends RuntimeException {
    public ImageFormatException(Path file, String reason) {
        super("cannot read image " + file + ": " + reason);
    }

    public ImageFormatException(Path file, String reason, Throwable cause) {
        super("cannot read image " + file + ": " + reason, cause);
    }
}
