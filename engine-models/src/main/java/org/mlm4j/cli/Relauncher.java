package org.mlm4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Re-executes {@code java -jar mlm4j.jar} with {@code --add-modules jdk.incubator.vector} when
 * that module is missing, keeping the JVM's own options; stdin and stdout are inherited, stderr
 * is copied through without the JVM's one-line "Using incubator modules" warning, and the child's
 * exit code is returned. Only a launch from the jar relaunches (never tests or applications that
 * embed mlm4j), and {@code MLM4J_NO_RELAUNCH=1} turns it off.
 */
final class Relauncher {
    static final String MODULE = "jdk.incubator.vector";
    static final String NO_RELAUNCH_ENV = "MLM4J_NO_RELAUNCH";
    /** What the JVM prints on stderr at start-up when an incubator module is resolved. */
    static final String INCUBATOR_WARNING = "WARNING: Using incubator modules: " + MODULE;

    private Relauncher() {
    }

    /** Whether this JVM, started as {@code java -jar}, should re-execute itself with the module. */
    static boolean shouldRelaunch() {
        return shouldRelaunch(ModuleLayer.boot().findModule(MODULE).isPresent(), ModuleFinder.ofSystem().find(MODULE).isPresent(),
                System.getenv(NO_RELAUNCH_ENV), ownJar(), ProcessHandle.current().info().command());
    }

    /**
     * @param moduleLoaded whether the module is in this JVM's boot layer already
     * @param moduleInRuntime whether this Java runtime has the module at all (a jlinked one may not)
     */
    static boolean shouldRelaunch(boolean moduleLoaded, boolean moduleInRuntime, String noRelaunchEnv, Path ownJar,
                                  Optional<String> javaCommand) {
        return !moduleLoaded && moduleInRuntime && !"1".equals(noRelaunchEnv) && ownJar != null && javaCommand.isPresent();
    }

    /**
     * JIT options of the relaunch, before the user's own (the last occurrence wins). Four compiler
     * threads instead of the two HotSpot starts on a 2-core machine: a one-shot command (one image,
     * one prompt) runs each Vector API kernel in the slow tiers until C2 reaches it, and with one
     * C2 thread the queue holds it there for seconds; measured on the MobileVLM V2 encoder, the
     * first image took 0.6–1.6 s less CPU in 7 of 7 runs (bench/README.md, vision encoder).
     *
     * <p>{@code TypeProfileLevel=222}: profile argument and return types at every call, not only
     * at method-handle calls. A kernel's loop-carried vector (an accumulator) is a phi whose exact
     * class C2 does not always know; these profiles give it one to speculate on. Without them, in
     * some compiles (which ones depends on what ran first: after a prompt, never on a decode-only
     * start), C2 could not unbox the accumulator ({@code -XX:+PrintIntrinsics}:
     * "unbox failed v3"), left its FMAs to the Vector API's Java fallback and allocated on every
     * iteration. Measured on the Q6_K decode kernel of a Q4_K_M model after a 64-token prompt:
     * tg32 ~6.0 instead of ~7.2 tok/s in 13 of 20 runs without the option, in none of 21 with it
     * (bench/README.md, seventh session).
     */
    static final List<String> JIT_OPTIONS = List.of("-XX:CICompilerCount=4", "-XX:TypeProfileLevel=222");

    /** The command line of the relaunch: the same java and JVM options, plus the module and {@link #JIT_OPTIONS}. */
    static List<String> command(String java, List<String> jvmOptions, Path jar, String[] args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("--add-modules");
        cmd.add(MODULE);
        cmd.addAll(JIT_OPTIONS);
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    static int relaunch(String[] args) {
        List<String> cmd = command(ProcessHandle.current().info().command().orElseThrow(),
                ManagementFactory.getRuntimeMXBean().getInputArguments(), ownJar(), args);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put(NO_RELAUNCH_ENV, "1");
        try {
            Process p = pb.start();
            Thread killChild = new Thread(p::destroy);
            Runtime.getRuntime().addShutdownHook(killChild);
            Thread stderr = Thread.ofPlatform().daemon().start(() -> {
                try {
                    copyWithoutIncubatorWarning(p.getErrorStream(), System.err);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            int code = p.waitFor();
            stderr.join();
            Runtime.getRuntime().removeShutdownHook(killChild);
            return code;
        } catch (IOException | InterruptedException e) {
            System.err.println("mlm4j: could not relaunch with --add-modules " + MODULE + " (" + e.getMessage()
                    + "); run java --add-modules " + MODULE + " -jar mlm4j.jar ...");
            return Main.EXIT_BAD_INPUT;
        }
    }

    /**
     * Copies {@code in} to {@code out} as it arrives, except a first line that is exactly
     * {@link #INCUBATOR_WARNING}: the bytes are matched one by one, so output that is not the
     * warning is never held back waiting for a line end.
     */
    static void copyWithoutIncubatorWarning(InputStream in, OutputStream out) throws IOException {
        byte[] warning = INCUBATOR_WARNING.getBytes(StandardCharsets.UTF_8);
        int matched = 0;
        int b = 0;
        while (matched < warning.length && (b = in.read()) == warning[matched]) {
            matched++;
        }
        if (matched == warning.length) {
            b = in.read();
            if (b == '\r') {
                b = in.read();
            }
            if (b == '\n') {
                b = in.read();
            }
        } else {
            out.write(warning, 0, matched);
        }
        if (b != -1) {
            out.write(b);
        }
        out.flush();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) != -1; ) {
            out.write(buf, 0, n);
            out.flush();
        }
    }

    /** The jar this class was loaded from when started with {@code java -jar}, else null. */
    private static Path ownJar() {
        String javaCommand = System.getProperty("sun.java.command", "");
        try {
            var src = Main.class.getProtectionDomain().getCodeSource();
            if (src == null) {
                return null;
            }
            Path p = Path.of(src.getLocation().toURI());
            String launched = javaCommand.split(" ", 2)[0];
            return p.toString().endsWith(".jar") && launched.endsWith(".jar") ? p : null;
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }
}
