package org.mlm4j.cli;

import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Re-executes {@code java -jar mlm4j.jar} with {@code --add-modules jdk.incubator.vector} when
 * that module is missing, keeping the JVM's own options. Only a launch from the jar relaunches;
 * tests and embedding applications never do.
 */
final class Relauncher {
    private static final String MODULE = "jdk.incubator.vector";

    private Relauncher() {
    }

    static boolean shouldRelaunch() {
        return ModuleLayer.boot().findModule(MODULE).isEmpty()
                && !"1".equals(System.getenv("MLM4J_NO_RELAUNCH"))
                && ownJar() != null
                && ProcessHandle.current().info().command().isPresent();
    }

    static int relaunch(String[] args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.add("--add-modules");
        cmd.add(MODULE);
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-jar");
        cmd.add(ownJar().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put("MLM4J_NO_RELAUNCH", "1");
        try {
            Process p = pb.start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
            return p.waitFor();
        } catch (Exception e) {
            System.err.println("mlm4j: could not relaunch with --add-modules " + MODULE + " (" + e.getMessage()
                    + "); run java --add-modules " + MODULE + " -jar mlm4j.jar ...");
            return Main.EXIT_BAD_INPUT;
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
