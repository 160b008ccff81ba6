package org.mlm4j.cli;

import java.lang.reflect.InvocationTargetException;

/**
 * The entry point of mlm4j.jar, compiled for Java 8 (everything else needs Java 25), so that an
 * older {@code java} on the PATH prints one line saying what to run instead of an
 * {@code UnsupportedClassVersionError} stack trace. On Java 25 and later it hands over to
 * {@link Main}.
 */
public final class Launcher {
    static final int REQUIRED = 25;

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        String version = System.getProperty("java.specification.version");
        if (feature(version) < REQUIRED) {
            System.err.println(tooOld(version, System.getProperty("java.home")));
            System.exit(2);
        }
        try {
            Class.forName("org.mlm4j.cli.Main").getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The feature release of a {@code java.specification.version}: "1.8" is 8, "17" is 17. */
    static int feature(String specificationVersion) {
        String v = specificationVersion.startsWith("1.") ? specificationVersion.substring(2) : specificationVersion;
        int end = 0;
        while (end < v.length() && Character.isDigit(v.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(v.substring(0, end));
    }

    static String tooOld(String version, String javaHome) {
        return "mlm4j needs Java " + REQUIRED + " or newer, this is Java " + version + " (" + javaHome
                + "): run it with a JDK " + REQUIRED + " java, e.g. $JAVA_HOME/bin/java -jar mlm4j.jar";
    }
}
