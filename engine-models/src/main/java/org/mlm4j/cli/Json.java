package org.mlm4j.cli;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Minimal JSON (RFC 8259) for the CLI's {@code --json} output and for reading manifests: values
 * are {@link Map} (insertion-ordered), {@link List}, {@link String}, {@link Number},
 * {@link Boolean} and {@code null}. Parsed integers are {@link Long} (or {@link BigInteger} when
 * larger), other numbers {@link Double}.
 */
public final class Json {
    /** Maps of at most this many scalar entries are written on one line. */
    private static final int INLINE_ENTRIES = 6;

    private Json() {
    }

    /** {@code value} as indented JSON; non-finite floats become {@code null}. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out, "");
        return out.append('\n').toString();
    }

    private static void write(Object value, StringBuilder out, String indent) {
        switch (value) {
            case null -> out.append("null");
            case String s -> quote(s, out);
            case Float f -> out.append(f.isInfinite() || f.isNaN() ? "null" : Float.toString(f));
            case Double d -> out.append(d.isInfinite() || d.isNaN() ? "null" : Double.toString(d));
            case Number n -> out.append(n);
            case Boolean b -> out.append(b);
            case Map<?, ?> map -> {
                if (map.isEmpty()) {
                    out.append("{}");
                    return;
                }
                boolean inline = map.size() <= INLINE_ENTRIES && map.values().stream().allMatch(Json::isFlat);
                String inner = indent + "  ";
                out.append(inline ? "{" : "{\n");
                int i = 0;
                for (var e : map.entrySet()) {
                    out.append(inline ? "" : inner);
                    quote(String.valueOf(e.getKey()), out);
                    out.append(": ");
                    write(e.getValue(), out, inner);
                    boolean last = ++i == map.size();
                    out.append(inline ? (last ? "" : ", ") : (last ? "\n" : ",\n"));
                }
                out.append(inline ? "" : indent).append('}');
            }
            case List<?> list -> {
                boolean flat = isFlat(list);
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    out.append(flat ? (i > 0 ? ", " : "") : (i > 0 ? ",\n" : "\n") + indent + "  ");
                    write(list.get(i), out, indent + "  ");
                }
                out.append(flat || list.isEmpty() ? "]" : "\n" + indent + "]");
            }
            default -> throw new IllegalArgumentException("no JSON for a " + value.getClass().getName());
        }
    }

    /** A scalar or a list of scalars: written on one line. */
    private static boolean isFlat(Object v) {
        return v instanceof List<?> list ? list.stream().noneMatch(e -> e instanceof Map || e instanceof List) : !(v instanceof Map);
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c) && !validSurrogateAt(s, i)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static boolean validSurrogateAt(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** Parses one JSON value. */
    public static Object parse(String text) {
        Parser p = new Parser(text);
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("text after the JSON value");
        }
        return v;
    }

    private static final class Parser {
        private static final int MAX_DEPTH = 512;
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("invalid JSON at character " + pos + ": " + what);
        }

        void skipSpace() {
            while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        private boolean consume(char c) {
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!consume(c)) {
                throw error("expected '" + c + "'");
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nested deeper than " + MAX_DEPTH);
            }
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            if (c == '{') {
                pos++;
                Map<String, Object> map = new LinkedHashMap<>();
                if (!consume('}')) {
                    do {
                        skipSpace();
                        if (pos >= s.length() || s.charAt(pos) != '"') {
                            throw error("expected a string key");
                        }
                        String key = string();
                        expect(':');
                        map.put(key, value(depth + 1));
                    } while (consume(','));
                    expect('}');
                }
                return map;
            }
            if (c == '[') {
                pos++;
                List<Object> list = new ArrayList<>();
                if (!consume(']')) {
                    do {
                        list.add(value(depth + 1));
                    } while (consume(','));
                    expect(']');
                }
                return list;
            }
            if (c == '"') {
                return string();
            }
            for (String word : new String[] {"true", "false", "null"}) {
                if (s.startsWith(word, pos)) {
                    pos += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word);
                }
            }
            return number();
        }

        private String string() {
            StringBuilder out = new StringBuilder();
            pos++;
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return out.toString();
                }
                if (c < 0x20) {
                    throw error("control character in a string");
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        pos += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }

        private Number number() {
            int start = pos;
            while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
            String n = s.substring(start, pos);
            if (!n.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?")) {
                pos = start;
                throw error(n.isEmpty() ? "unexpected character '" + s.charAt(pos) + "'" : "bad number '" + n + "'");
            }
            if (n.matches("-?[0-9]+")) {
                BigInteger big = new BigInteger(n);
                return big.bitLength() < 64 ? (Number) big.longValue() : big;
            }
            double d = Double.parseDouble(n);
            return Double.isInfinite(d) ? new BigDecimal(n) : d;
        }
    }
}
