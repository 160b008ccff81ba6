package org.mlm4j.models.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the words a byte-level BPE merges within, as llama.cpp's
 * {@code unicode_regex_split} does for the pre-tokenizer named by {@code tokenizer.ggml.pre}.
 * The regexes apply one after another, each to the pieces the previous one left. The GPT-2 and
 * LLaMA-3 regexes run as llama.cpp's hand-written matchers ({@link #gpt2} and {@link #llama3}),
 * whose results differ from a true regex engine in corner cases. Any other regex runs as llama.cpp
 * runs it through std::regex: on a "collapsed" text where each non-ASCII code point is replaced by
 * one stand-in character for its class (so {@code \p{L}} becomes a class holding that stand-in
 * and A-Za-z), which is what makes {@code \p{..}} work without a Unicode-aware regex engine.
 */
final class PreTokenizer {
    static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    static final String LLAMA3_REGEX = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** The regex lists of llama.cpp's {@code llm_tokenizer_bpe}, by pre-tokenizer family. */
    private static final List<String> DEFAULT = List.of(
            "[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2_REGEX, "\\p{N}+", "[0-9][0-9][0-9]");
    private static final List<String> STARCODER = List.of("\\p{N}", GPT2_REGEX);
    private static final List<String> FALCON = List.of(
            "[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2_REGEX, "[0-9][0-9][0-9]");
    private static final List<String> QWEN2 = List.of(
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                    + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    /**
     * How each accepted {@code tokenizer.ggml.pre} name tokenizes: its regexes, whether a word that
     * is itself a token skips the merges ({@code ignore_merges}), whether detokenization removes
     * spaces before punctuation ({@code clean_spaces}) and whether BOS is added by default.
     */
    record Spec(List<String> regexes, boolean ignoreMerges, boolean cleanSpaces, boolean addBos) {
    }

    private static final Spec SPEC_DEFAULT = new Spec(DEFAULT, false, true, false);
    private static final Spec SPEC_GPT2 = new Spec(List.of(GPT2_REGEX), false, true, false);
    private static final Spec SPEC_LLAMA3 = new Spec(List.of(LLAMA3_REGEX), true, true, true);
    private static final Spec SPEC_STARCODER = new Spec(STARCODER, false, true, false);
    private static final Spec SPEC_FALCON = new Spec(FALCON, false, true, false);
    private static final Spec SPEC_QWEN2 = new Spec(QWEN2, false, false, false);

    private static final Map<String, Spec> BY_NAME = Map.ofEntries(
            Map.entry("default", SPEC_DEFAULT),
            Map.entry("gpt-2", SPEC_GPT2), Map.entry("phi-2", SPEC_GPT2), Map.entry("roberta-bpe", SPEC_GPT2),
            Map.entry("jina-es", SPEC_GPT2), Map.entry("jina-de", SPEC_GPT2), Map.entry("gigachat", SPEC_GPT2),
            Map.entry("jina-v1-en", SPEC_GPT2), Map.entry("jina-v2-es", SPEC_GPT2), Map.entry("jina-v2-de", SPEC_GPT2),
            Map.entry("jina-v2-code", SPEC_GPT2), Map.entry("mpt", SPEC_GPT2), Map.entry("olmo", SPEC_GPT2),
            Map.entry("jais", SPEC_GPT2),
            Map.entry("llama3", SPEC_LLAMA3), Map.entry("llama-v3", SPEC_LLAMA3), Map.entry("llama-bpe", SPEC_LLAMA3),
            Map.entry("falcon3", SPEC_LLAMA3), Map.entry("dbrx", SPEC_LLAMA3), Map.entry("smaug-bpe", SPEC_LLAMA3),
            Map.entry("starcoder", SPEC_STARCODER), Map.entry("refact", SPEC_STARCODER),
            Map.entry("codeshell", SPEC_STARCODER), Map.entry("exaone", SPEC_STARCODER),
            Map.entry("minerva-7b", SPEC_STARCODER),
            Map.entry("falcon", SPEC_FALCON),
            Map.entry("qwen2", SPEC_QWEN2), Map.entry("deepseek-r1-qwen", SPEC_QWEN2), Map.entry("stablelm2", SPEC_QWEN2));

    /** The spec for a {@code tokenizer.ggml.pre} value; {@code null} when the name is not supported. */
    static Spec spec(String name) {
        return BY_NAME.get(name);
    }

    static Spec defaultSpec() {
        return SPEC_DEFAULT;
    }

    private final List<String> regexes;
    private final List<Pattern> compiled = new ArrayList<>();

    PreTokenizer(List<String> regexes) {
        this.regexes = List.copyOf(regexes);
        for (String r : regexes) {
            compiled.add(r.equals(GPT2_REGEX) || r.equals(LLAMA3_REGEX) ? null : Pattern.compile(javaRegex(r)));
        }
    }

    /** The words of {@code text}, each as a byte-level string (see {@link ByteLevel}). */
    List<String> split(String text) {
        int[] cps = text.codePoints().toArray();
        List<Integer> lengths = new ArrayList<>(List.of(cps.length));
        String collapsed = null;
        for (int i = 0; i < regexes.size(); i++) {
            String regex = regexes.get(i);
            if (regex.equals(GPT2_REGEX)) {
                lengths = gpt2(cps, lengths);
            } else if (regex.equals(LLAMA3_REGEX)) {
                lengths = llama3(cps, lengths);
            } else if (usesCategories(regex)) {
                if (collapsed == null) {
                    collapsed = collapse(cps);
                }
                lengths = splitByRegex(compiled.get(i), collapsed, lengths, false);
            } else {
                lengths = splitByRegex(compiled.get(i), wideText(cps), lengths, true);
            }
        }
        List<String> words = new ArrayList<>(lengths.size());
        int start = 0;
        for (int len : lengths) {
            String word = new String(cps, start, len);
            words.add(ByteLevel.encode(word.getBytes(StandardCharsets.UTF_8)));
            start += len;
        }
        return words;
    }

    // --- llama.cpp's hand-written matchers. pos runs over code points; a position outside the
    // current piece reads as code point -1 with no flags, which ends every run.

    /** One match of a hand-written matcher: from pos, ends the next word(s) and returns where the next match starts. */
    @FunctionalInterface
    private interface WordMatcher {
        int next(Piece p, int pos);
    }

    /** Runs a hand-written matcher over every piece. */
    private static List<Integer> splitPieces(int[] cps, List<Integer> pieces, WordMatcher matcher) {
        List<Integer> out = new ArrayList<>();
        int start = 0;
        for (int piece : pieces) {
            Piece p = new Piece(cps, start, start + piece, out);
            start += piece;
            for (int pos = p.ini; pos < p.end; ) {
                pos = matcher.next(p, pos);
            }
        }
        return out;
    }

    static List<Integer> gpt2(int[] cps, List<Integer> pieces) {
        return splitPieces(cps, pieces, PreTokenizer::gpt2Match);
    }

    static List<Integer> llama3(int[] cps, List<Integer> pieces) {
        return splitPieces(cps, pieces, PreTokenizer::llama3Match);
    }

    /** {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+} */
    private static int gpt2Match(Piece p, int pos) {
        int cp = p.cp(pos);
        int contraction = p.contraction(pos, false);
        if (contraction > 0) {
            return p.emit(pos + contraction);
        }
        int first = cp == ' ' ? p.flags(pos + 1) : p.flags(pos);
        int skip = cp == ' ' ? 1 : 0;
        if ((first & Unicode.LETTER) != 0) {
            return p.emit(p.runOf(pos + skip, Unicode.LETTER));
        }
        if ((first & Unicode.NUMBER) != 0) {
            return p.emit(p.runOf(pos + skip, Unicode.NUMBER));
        }
        if (isOther(first)) {
            pos += skip;
            while (isOther(p.flags(pos))) {
                pos++;
            }
            return p.emit(pos);
        }
        return p.whitespace(pos, false);
    }

    /** {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+} */
    private static int llama3Match(Piece p, int pos) {
        int cp = p.cp(pos);
        int flags = p.flags(pos);
        int contraction = p.contraction(pos, true);
        if (contraction > 0) {
            return p.emit(pos + contraction);
        }
        if (!(cp == '\r' || cp == '\n' || (flags & Unicode.NUMBER) != 0)
                && ((flags & Unicode.LETTER) != 0 || (p.flags(pos + 1) & Unicode.LETTER) != 0)) {
            return p.emit(p.runOf(pos + 1, Unicode.LETTER));
        }
        if ((flags & Unicode.NUMBER) != 0) {
            int ini = pos;
            while ((p.flags(pos) & Unicode.NUMBER) != 0) {
                if (++pos - ini >= 3) {
                    p.emit(pos);
                    ini = pos;
                }
            }
            return p.emit(pos);
        }
        int next = cp == ' ' ? p.flags(pos + 1) : flags;
        if ((next & (Unicode.WHITESPACE | Unicode.LETTER | Unicode.NUMBER)) == 0 && flags != 0) {
            pos += cp == ' ' ? 1 : 0;
            while (isOther(p.flags(pos))) {
                pos++;
            }
            while (p.cp(pos) == '\r' || p.cp(pos) == '\n') {
                pos++;
            }
            return p.emit(pos);
        }
        return p.whitespace(pos, true);
    }

    /** A code point of {@code [^\s\p{L}\p{N}]} (inside the piece). */
    private static boolean isOther(int flags) {
        return (flags & (Unicode.WHITESPACE | Unicode.LETTER | Unicode.NUMBER)) == 0 && flags != 0;
    }

    /** One piece [ini, end) of the code points being split, and the lengths emitted so far. */
    private static final class Piece {
        final int[] cps;
        final int ini;
        final int end;
        final List<Integer> out;
        int prevEnd;

        Piece(int[] cps, int ini, int end, List<Integer> out) {
            this.cps = cps;
            this.ini = ini;
            this.end = end;
            this.out = out;
            this.prevEnd = ini;
        }

        int cp(int pos) {
            return pos >= ini && pos < end ? cps[pos] : -1;
        }

        int flags(int pos) {
            return Unicode.flags(cp(pos));
        }

        /** Ends the current word at {@code wordEnd} (empty words are dropped); returns {@code wordEnd}. */
        int emit(int wordEnd) {
            if (wordEnd > prevEnd) {
                out.add(wordEnd - prevEnd);
            }
            prevEnd = wordEnd;
            return wordEnd;
        }

        int runOf(int pos, int flag) {
            while ((flags(pos) & flag) != 0) {
                pos++;
            }
            return pos;
        }

        /** Length of {@code 's|'t|'re|'ve|'m|'ll|'d} at pos (optionally case-insensitive), 0 if none. */
        int contraction(int pos, boolean ignoreCase) {
            if (cp(pos) != '\'' || pos + 1 >= end) {
                return 0;
            }
            int c1 = lower(cp(pos + 1), ignoreCase);
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
                return 2;
            }
            if (pos + 2 < end) {
                int c2 = lower(cp(pos + 2), ignoreCase);
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                    return 3;
                }
            }
            return 0;
        }

        private static int lower(int cp, boolean ignoreCase) {
            return ignoreCase && cp >= 0 ? Character.toLowerCase(cp) : cp;
        }

        /**
         * The whitespace alternatives at pos: {@code \s*[\r\n]+} (LLaMA-3 only), {@code \s+(?!\S)}
         * (all but the last of a run that a non-space follows), {@code \s+}; otherwise the code point
         * alone. Returns the new position.
         */
        int whitespace(int pos, boolean lineBreaks) {
            int count = 0;
            int lastBreakEnd = 0;
            while ((flags(pos + count) & Unicode.WHITESPACE) != 0) {
                int c = cp(pos + count);
                if (c == '\r' || c == '\n') {
                    lastBreakEnd = pos + count + 1;
                }
                count++;
            }
            if (lineBreaks && lastBreakEnd > 0) {
                return emit(lastBreakEnd);
            }
            if (count > 1 && cp(pos + count) != -1) {
                return emit(pos + count - 1);
            }
            if (count > 0) {
                return emit(pos + count);
            }
            return emit(pos + 1);
        }
    }

    // --- the general path (std::regex in llama.cpp)

    private static final String[][] CATEGORIES = {
            // name, stand-in for non-ASCII code points of the class, the ASCII members
            {"\\p{N}", "\u00D1", "0-9"},
            {"\\p{L}", "\u00D2", "A-Za-z"},
            {"\\p{P}", "\u00D3", "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"},
            {"\\p{M}", "\u00D4", ""},
            {"\\p{S}", "\u00D5", "\\$\\+<->\\^`\\|"},
    };

    private static boolean usesCategories(String regex) {
        for (String[] c : CATEGORIES) {
            if (regex.contains(c[0])) {
                return true;
            }
        }
        return false;
    }

    /** The regex over collapsed text: each {@code \p{X}} becomes its stand-in plus its ASCII members. */
    private static String javaRegex(String regex) {
        if (!usesCategories(regex)) {
            return regex;
        }
        StringBuilder sb = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '[' && (i == 0 || regex.charAt(i - 1) != '\\')) {
                inside = true;
                sb.append(c);
                continue;
            }
            if (inside && c == ']' && regex.charAt(i - 1) != '\\') {
                inside = false;
                sb.append(c);
                continue;
            }
            String[] category = categoryAt(regex, i);
            if (category != null) {
                sb.append(inside ? "" : "[").append(category[1]).append(category[2]).append(inside ? "" : "]");
                i += category[0].length() - 1;
                continue;
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static String[] categoryAt(String regex, int i) {
        for (String[] c : CATEGORIES) {
            if (regex.startsWith(c[0], i)) {
                return c;
            }
        }
        return null;
    }

    /** One char per code point: ASCII as is, non-ASCII whitespace as U+000B, others as their class's stand-in (U+00D0 if none). */
    private static String collapse(int[] cps) {
        char[] out = new char[cps.length];
        for (int i = 0; i < cps.length; i++) {
            int cp = cps[i];
            if (cp < 128) {
                out[i] = (char) cp;
                continue;
            }
            int flags = Unicode.flags(cp);
            out[i] = (flags & Unicode.WHITESPACE) != 0 ? '\u000B' : switch (flags) {
                case Unicode.NUMBER -> '\u00D1';
                case Unicode.LETTER -> '\u00D2';
                case Unicode.PUNCTUATION -> '\u00D3';
                case Unicode.ACCENT_MARK -> '\u00D4';
                case Unicode.SYMBOL -> '\u00D5';
                default -> '\u00D0';
            };
        }
        return new String(out);
    }

    /** The text as code points with non-ASCII whitespace as U+000B (std::wregex's {@code \s} is ASCII only). */
    private static String wideText(int[] cps) {
        StringBuilder sb = new StringBuilder(cps.length);
        for (int cp : cps) {
            sb.appendCodePoint(cp > 0x7F && Unicode.isWhitespace(cp) ? 0x0B : cp);
        }
        return sb.toString();
    }

    /**
     * Splits each piece into the regex's matches and the gaps between them. {@code text} holds the
     * whole input; with {@code surrogates} its chars are UTF-16 (indices are converted to code points).
     */
    private static List<Integer> splitByRegex(Pattern pattern, String text, List<Integer> pieces, boolean surrogates) {
        List<Integer> out = new ArrayList<>();
        int startChar = 0;
        for (int piece : pieces) {
            int endChar = surrogates ? text.offsetByCodePoints(startChar, piece) : startChar + piece;
            String segment = text.substring(startChar, endChar);
            Matcher m = pattern.matcher(segment);
            int done = 0;
            while (m.find()) {
                if (m.start() > done) {
                    out.add(count(segment, done, m.start(), surrogates));
                }
                out.add(count(segment, m.start(), m.end(), surrogates));
                done = m.end();
            }
            if (done < segment.length()) {
                out.add(count(segment, done, segment.length(), surrogates));
            }
            startChar = endChar;
        }
        return out;
    }

    private static int count(String s, int from, int to, boolean surrogates) {
        return surrogates ? s.codePointCount(from, to) : to - from;
    }
}
