package org.mlm4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A command's arguments: {@code --name value} and {@code --name=value} options, bare flags and
 * positional arguments. A command declares what it reads by reading it; {@link #finish()} then
 * rejects every option it did not read, so typos are reported instead of ignored.
 */
public final class Options {
    private static final Pattern OPTION_NAME = Pattern.compile("--?[A-Za-z][A-Za-z0-9_.-]*(=.*)?", Pattern.DOTALL);

    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final Set<String> read = new HashSet<>();

    public Options(String command, List<String> args) {
        this.command = command;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!isOptionName(a)) {
                positional.add(a);
                continue;
            }
            String name = a.replaceFirst("^--?", "");
            int eq = name.indexOf('=');
            if (eq >= 0) {
                values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (i + 1 < args.size() && !isOptionName(args.get(i + 1))) {
                values.put(name, args.get(++i));
            } else {
                values.put(name, null);
            }
        }
        read.add("verbose");
    }

    /**
     * {@code --name}, {@code -n} or {@code --name=value}: a dash and a letter. Anything else is a
     * value, so {@code -3}, {@code -0.5} and a prompt such as {@code "- a list item"} pass as values.
     */
    private static boolean isOptionName(String s) {
        return OPTION_NAME.matcher(s).matches();
    }

    public String command() {
        return command;
    }

    /** A bare flag such as {@code --json}. A flag followed by a positional argument still counts. */
    public boolean flag(String name) {
        read.add(name);
        if (!values.containsKey(name)) {
            return false;
        }
        String v = values.get(name);
        if (v != null) {
            values.put(name, null);
            positional.add(0, v);
        }
        return true;
    }

    public String string(String name, String defaultValue) {
        read.add(name);
        if (!values.containsKey(name)) {
            return defaultValue;
        }
        String v = values.get(name);
        if (v == null) {
            throw new UsageException("--" + name + " needs a value");
        }
        return v;
    }

    public String requiredString(String name) {
        String v = string(name, null);
        if (v == null) {
            throw new UsageException("--" + name + " is required");
        }
        return v;
    }

    public Path requiredPath(String name) {
        return Path.of(requiredString(name));
    }

    public int integer(String name, int defaultValue) {
        String v = string(name, null);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " takes a whole number, got '" + v + "'");
        }
    }

    public float real(String name, float defaultValue) {
        String v = string(name, null);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " takes a number, got '" + v + "'");
        }
    }

    /** Positional arguments (those not following an option name). */
    public List<String> positional() {
        return positional;
    }

    /** Rejects options that the command did not read. */
    public void finish() {
        for (String name : values.keySet()) {
            if (!read.contains(name)) {
                throw new UsageException("unknown option --" + name);
            }
        }
    }
}
