package org.mlm4j.models.tokenizer;

import org.mlm4j.gguf.GgufMetadata;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * The tokenizer a GGUF file describes, giving the ids llama.cpp's {@code llama_tokenize} gives
 * (llama.cpp c392e50, src/llama-vocab.cpp) and its {@code token_to_piece} / {@code detokenize}.
 * Two models: {@code tokenizer.ggml.model = "llama"} (SentencePiece-style, {@link SpmEncoder}) and
 * {@code "gpt2"} (byte-level BPE, {@link BpeEncoder} with the pre-tokenizer named by
 * {@code tokenizer.ggml.pre}). Immutable and thread-safe once built.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.fromGguf(gguf.metadata());
 * int[] ids = tok.encode("Hello world", true, true);   // BOS added if the model says so
 * String text = tok.decode(ids);
 * }</pre>
 */
public final class Tokenizer {
    /** The two tokenization algorithms. */
    public enum Model { SPM, BPE }

    private static final String U2581 = "\u2581";

    private final Model model;
    private final Vocabulary vocab;
    private final SpmEncoder spm;
    private final BpeEncoder bpe;
    private final int bos;
    private final int eos;
    private final int eot;
    private final int unk;
    private final int pad;
    private final boolean addBos;
    private final boolean addEos;
    private final boolean addSpacePrefix;
    private final boolean cleanSpaces;
    private final int[] endOfGeneration;
    /** Ids of CONTROL, USER_DEFINED and UNKNOWN tokens, longest text first: the special-token partition order. */
    private final int[] specialTokens;
    /** {@code token_to_piece(id, special = true)} of every id. */
    private final byte[][] pieces;

    private Tokenizer(GgufMetadata meta, Consumer<String> warnings) {
        String modelName = meta.getString("tokenizer.ggml.model");
        vocab = new Vocabulary(meta);
        int n = vocab.size();
        boolean addBosDefault;
        int bosDefault;
        int eosDefault;
        int unkDefault;
        switch (modelName) {
            case "llama" -> {
                model = Model.SPM;
                spm = new SpmEncoder(vocab);
                bpe = null;
                bosDefault = 1;
                eosDefault = 2;
                unkDefault = 0;
                addBosDefault = true;
                addSpacePrefix = meta.getBoolean("tokenizer.ggml.add_space_prefix", true);
                cleanSpaces = false;
            }
            case "gpt2" -> {
                model = Model.BPE;
                if (!meta.contains("tokenizer.ggml.merges")) {
                    throw new IllegalArgumentException("cannot find tokenizer merges in model file (tokenizer.ggml.merges)");
                }
                PreTokenizer.Spec spec = preTokenizerSpec(meta, warnings);
                spm = null;
                bpe = new BpeEncoder(vocab, meta.getStringArray("tokenizer.ggml.merges"),
                        new PreTokenizer(spec.regexes()), spec.ignoreMerges());
                bosDefault = 11;
                eosDefault = 11;
                unkDefault = -1;
                addBosDefault = spec.addBos();
                addSpacePrefix = meta.getBoolean("tokenizer.ggml.add_space_prefix", false);
                cleanSpaces = spec.cleanSpaces();
            }
            default -> throw new IllegalArgumentException("unsupported tokenizer model '" + modelName
                    + "' (supported: llama, gpt2)");
        }
        bos = specialId(meta, "bos", bosDefault, warnings);
        int eosId = specialId(meta, "eos", eosDefault, warnings);
        unk = specialId(meta, "unknown", unkDefault, warnings);
        pad = specialId(meta, "padding", -1, warnings);
        int eotId = specialId(meta, "eot", -1, warnings);
        int eomId = specialId(meta, "eom", -1, warnings);
        addBos = meta.getBoolean("tokenizer.ggml.add_bos_token", addBosDefault);
        addEos = meta.getBoolean("tokenizer.ggml.add_eos_token", false);
        if (addBos && bos < 0) {
            throw new IllegalArgumentException("tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set");
        }
        if (addEos && eosId < 0) {
            throw new IllegalArgumentException("tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set");
        }
        eos = eosId;

        // llama.cpp finds end-of-turn tokens by their text and makes them CONTROL.
        Set<Integer> eog = new TreeSet<>();
        for (int id = 0; id < n; id++) {
            String t = vocab.texts[id];
            if (eotId < 0 && EOT_TEXTS.contains(t)) {
                eotId = id;
                vocab.set(id, Vocabulary.CONTROL, true);
            }
            if (eomId < 0 && t.equals("<|eom_id|>")) {
                eomId = id;
                vocab.set(id, Vocabulary.CONTROL, true);
            }
            if (EOG_TEXTS.contains(t)) {
                eog.add(id);
                vocab.set(id, Vocabulary.CONTROL, true);
            }
        }
        for (int id : new int[] {eos, eotId, eomId}) {
            if (id >= 0) {
                eog.add(id);
            }
        }
        eot = eotId;
        endOfGeneration = eog.stream().mapToInt(Integer::intValue).toArray();

        specialTokens = specialTokensLongestFirst();

        pieces = new byte[n][];
        for (int id = 0; id < n; id++) {
            pieces[id] = computePiece(id);
        }
        applyPhi3Quirk(meta.findString("general.name").orElse(""));
    }

    /** Ids of CONTROL, USER_DEFINED and UNKNOWN tokens, longest text (in bytes) first, as llama.cpp's {@code cache_special_tokens}. */
    private int[] specialTokensLongestFirst() {
        return IntStream.range(0, vocab.size())
                .filter(id -> vocab.has(id, Vocabulary.CONTROL | Vocabulary.USER_DEFINED | Vocabulary.UNKNOWN))
                .boxed()
                .sorted(Comparator.comparingInt((Integer id) -> -vocab.texts[id].getBytes(StandardCharsets.UTF_8).length))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    /** Texts llama.cpp takes as the end-of-turn token when the file names none. */
    private static final Set<String> EOT_TEXTS = Set.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "_<EOT>",
            "<｜end▁of▁sentence｜>");
    /** Texts that end generation. */
    private static final Set<String> EOG_TEXTS = Set.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>");

    /** Reads the tokenizer of a GGUF file; warnings (such as a missing pre-tokenizer) go to stderr. */
    public static Tokenizer fromGguf(GgufMetadata meta) {
        return fromGguf(meta, w -> System.err.println("mlm4j: warning: " + w));
    }

    /** Reads the tokenizer of a GGUF file, passing warnings to {@code warnings}. */
    public static Tokenizer fromGguf(GgufMetadata meta, Consumer<String> warnings) {
        try {
            return new Tokenizer(meta, warnings);
        } catch (GgufMetadata.MetadataException e) {
            throw new IllegalArgumentException("bad tokenizer metadata: " + e.getMessage(), e);
        }
    }

    private static PreTokenizer.Spec preTokenizerSpec(GgufMetadata meta, Consumer<String> warnings) {
        String pre = meta.findString("tokenizer.ggml.pre").orElse("");
        if (pre.isEmpty()) {
            warnings.accept("missing pre-tokenizer type (tokenizer.ggml.pre), using 'default': "
                    + "generation quality will be degraded, consider regenerating the model");
            return PreTokenizer.defaultSpec();
        }
        PreTokenizer.Spec spec = PreTokenizer.spec(pre);
        if (spec == null) {
            throw new IllegalArgumentException("unknown pre-tokenizer type: '" + pre + "'");
        }
        return spec;
    }

    private int specialId(GgufMetadata meta, String name, int defaultId, Consumer<String> warnings) {
        String key = "tokenizer.ggml." + name + "_token_id";
        int id = defaultId < vocab.size() ? defaultId : -1;
        if (!meta.contains(key)) {
            return id;
        }
        long v = meta.getLong(key);
        if (v < 0 || v >= vocab.size()) {
            if (v != 0xFFFF_FFFFL && v != -1) { // the u32 spelling of "no such token" (llama2.c conversions) is not worth a warning
                warnings.accept("bad special token: '" + key + "' = " + v + ", using default id " + id);
            }
            return id;
        }
        return (int) v;
    }

    /**
     * llama.cpp's phi-3 quirk: for a model whose {@code general.name} contains "phi3" or "phi-3",
     * special tokens swallow the whitespace after them (RSTRIP), except {@code <unk>}, {@code <s>}
     * and {@code <|endoftext|>}.
     */
    private void applyPhi3Quirk(String generalName) {
        String name = generalName.toLowerCase(Locale.ROOT);
        if (!name.contains("phi3") && !name.contains("phi-3")) {
            return;
        }
        for (int id : specialTokens) {
            vocab.set(id, Vocabulary.RSTRIP, true);
        }
        setAttr("</s>", Vocabulary.RSTRIP, true);
        for (String t : new String[] {"<unk>", "<s>", "<|endoftext|>"}) {
            setAttr(t, Vocabulary.RSTRIP, false);
        }
    }

    private void setAttr(String text, int attr, boolean on) {
        int id = vocab.id(text);
        if (id >= 0) {
            vocab.set(id, attr, on);
        }
    }

    // ------------------------------------------------------------------ encoding

    /**
     * The ids of {@code text}, as {@code llama_tokenize(text, add_special, parse_special)}.
     * {@code addSpecial} adds BOS/EOS where the model asks for them; {@code parseSpecial} turns the
     * text of control tokens (such as {@code <|end|>}) into their ids. User-defined tokens are
     * matched either way.
     */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        if (addSpecial && addBos) {
            out.add(bos);
        }
        boolean previousSpecial = true; // SPM: the first text fragment gets the space prefix
        for (Fragment f : partition(text, parseSpecial)) {
            if (f.token >= 0) {
                out.add(f.token);
                previousSpecial = true;
            } else if (model == Model.SPM) {
                String piece = (addSpacePrefix && previousSpecial ? " " : "") + f.text;
                spm.encode(piece.replace(" ", U2581), out);
                previousSpecial = false;
            } else {
                bpe.encode(f.text, out);
            }
        }
        if (addSpecial && addEos) {
            out.add(eos);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A piece of the input: raw text (token = -1) or one special token. */
    private record Fragment(String text, int token) {
    }

    /** Cuts special-token texts out of the input (llama.cpp's {@code tokenizer_st_partition}). */
    private List<Fragment> partition(String text, boolean parseSpecial) {
        text = wellFormed(text);
        List<Fragment> fragments = new ArrayList<>();
        if (!text.isEmpty()) {
            fragments.add(new Fragment(text, -1));
        }
        for (int id : specialTokens) {
            if (!parseSpecial && vocab.has(id, Vocabulary.CONTROL | Vocabulary.UNKNOWN)) {
                continue;
            }
            List<Fragment> next = new ArrayList<>(fragments.size() + 2);
            for (Fragment f : fragments) {
                if (f.token >= 0) {
                    next.add(f);
                } else {
                    splitAround(f.text, id, next);
                }
            }
            fragments = next;
        }
        return fragments;
    }

    private void splitAround(String raw, int id, List<Fragment> out) {
        String special = vocab.texts[id];
        int from = 0;
        while (true) {
            int match = raw.indexOf(special, from);
            if (match < 0) {
                if (from < raw.length()) {
                    out.add(new Fragment(raw.substring(from), -1));
                }
                return;
            }
            int leftEnd = match;
            if (vocab.has(id, Vocabulary.LSTRIP)) {
                while (leftEnd > from && isSpace(raw.charAt(leftEnd - 1))) {
                    leftEnd--;
                }
            }
            if (leftEnd > from) {
                out.add(new Fragment(raw.substring(from, leftEnd), -1));
            }
            out.add(new Fragment(special, id));
            from = match + special.length();
            if (vocab.has(id, Vocabulary.RSTRIP)) {
                while (from < raw.length() && isSpace(raw.charAt(from))) {
                    from++;
                }
            }
        }
    }

    /** C's isspace in the "C" locale. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    /** The text as its UTF-8 bytes say (a lone surrogate becomes '?', as String.getBytes writes it). */
    private static String wellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            }
        }
        return text;
    }

    // ------------------------------------------------------------------ decoding

    private byte[] computePiece(int id) {
        String text = vocab.texts[id];
        if (vocab.has(id, Vocabulary.UNKNOWN | Vocabulary.CONTROL | Vocabulary.USER_DEFINED)) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        if (vocab.has(id, Vocabulary.NORMAL)) {
            return model == Model.SPM
                    ? text.replace(U2581, " ").getBytes(StandardCharsets.UTF_8)
                    : byteLevelDecode(text);
        }
        if (vocab.has(id, Vocabulary.BYTE)) {
            return new byte[] {(byte) byteTokenValue(text)};
        }
        return new byte[0]; // unused and undefined tokens render as nothing
    }

    /** The byte of a {@code <0xXX>} token: strtol of its 4th and 5th characters, as llama.cpp reads it (0 if not hex). */
    private static int byteTokenValue(String text) {
        int value = 0;
        for (int i = 3; i < Math.min(5, text.length()); i++) {
            int digit = Character.digit(text.charAt(i), 16);
            if (digit < 0) {
                break;
            }
            value = value * 16 + digit;
        }
        return value;
    }

    /** llama.cpp's {@code llama_decode_text}: byte-level characters back to bytes. */
    private static byte[] byteLevelDecode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int b = ByteLevel.byteOf(cp);
            if (b >= 0) {
                out.write(b);
                continue;
            }
            // not a byte-level character: llama.cpp writes a marker naming its UTF-8 bytes and the token
            StringBuilder marker = new StringBuilder("[UNK_BYTE_0x");
            for (byte u : Character.toString(cp).getBytes(StandardCharsets.UTF_8)) {
                marker.append(String.format("%02x", u & 0xFF));
            }
            out.writeBytes(marker.append(text).append(']').toString().getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /**
     * The bytes of one token as {@code llama_token_to_piece(id, lstrip = 0, special)}: control and
     * unknown tokens are empty unless {@code special}; byte tokens are one byte, which may be part
     * of a multi-byte character (see {@link TokenDecoder}).
     */
    public byte[] tokenToPiece(int id, boolean special) {
        checkId(id);
        if (!special && vocab.has(id, Vocabulary.UNKNOWN | Vocabulary.CONTROL)) {
            return new byte[0];
        }
        return pieces[id].clone();
    }

    /** The text of ids as {@code llama_detokenize(remove_special = false, unparse_special = false)}. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of ids as {@code llama_detokenize(ids, remove_special = false, unparse_special)}:
     * the pieces concatenated, the leading space of the first one removed when the model adds a
     * space prefix, and, for BPE models, llama.cpp's clean-up of spaces before punctuation and
     * contractions. Incomplete UTF-8 sequences become U+FFFD.
     */
    public String decode(int[] ids, boolean renderSpecial) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean stripSpace = addSpacePrefix;
        for (int id : ids) {
            checkId(id);
            if (!renderSpecial && vocab.has(id, Vocabulary.UNKNOWN | Vocabulary.CONTROL)) {
                stripSpace = false;
                continue;
            }
            byte[] p = pieces[id];
            int skip = stripSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
            out.write(p, skip, p.length - skip);
            stripSpace = false;
        }
        byte[] bytes = out.toByteArray();
        if (cleanSpaces) {
            bytes = cleanUpSpaces(bytes);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * llama.cpp's {@code clean_spaces} passes: drop the space in " ?", " !", " .", " ,"; turn
     * " ' " into "'"; drop the space in " 's", " 'm", " 're", " 've".
     */
    static byte[] cleanUpSpaces(byte[] t) {
        int n = t.length;
        int total = n == 0 ? 0 : 1;
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            t[total++] = x;
        }
        n = total;
        total = n == 0 ? 0 : 1;
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (x == '\'' && i + 1 < n && t[i - 1] == ' ' && t[i + 1] == ' ') {
                total--;
                t[++i] = 0;
            }
            t[total++] = x;
        }
        n = total;
        total = n == 0 ? 0 : 1;
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && x == '\'' && i + 1 < n) {
                byte x1 = t[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (i + 2 < n && ((x1 == 'r' && t[i + 2] == 'e') || (x1 == 'v' && t[i + 2] == 'e'))) {
                    total--;
                }
            }
            t[total++] = x;
        }
        return Arrays.copyOf(t, total);
    }

    // ------------------------------------------------------------------ properties

    public Model model() {
        return model;
    }

    public int vocabSize() {
        return vocab.size();
    }

    /** The BOS id, or -1 when the vocabulary has none. */
    public int bosId() {
        return bos;
    }

    /** The EOS id, or -1 when the vocabulary has none. */
    public int eosId() {
        return eos;
    }

    /** The end-of-turn id ({@code <|end|>}, {@code <|eot_id|>}, ...), or -1. */
    public int eotId() {
        return eot;
    }

    public int unknownId() {
        return unk;
    }

    public int padId() {
        return pad;
    }

    /** Whether {@code encode(text, true, ...)} starts with BOS. */
    public boolean addsBos() {
        return addBos;
    }

    public boolean addsEos() {
        return addEos;
    }

    /** Whether a generated id ends generation: EOS, EOT, EOM and tokens such as {@code <|end|>} or {@code <|endoftext|>}. */
    public boolean isEndOfGeneration(int id) {
        return Arrays.binarySearch(endOfGeneration, id) >= 0;
    }

    /** The ids that end generation, ascending. */
    public int[] endOfGenerationIds() {
        return endOfGeneration.clone();
    }

    /** The raw text of a token as stored in the vocabulary (with U+2581 / byte-level characters). */
    public String tokenText(int id) {
        checkId(id);
        return vocab.texts[id];
    }

    /** The id of a token's raw text, or -1. */
    public int tokenId(String text) {
        return vocab.id(text);
    }

    /** Whether a token is a control token ({@code <s>}, {@code <|end|>}, ...), which decodes to nothing by default. */
    public boolean isControl(int id) {
        checkId(id);
        return vocab.has(id, Vocabulary.CONTROL);
    }

    private void checkId(int id) {
        if (id < 0 || id >= vocab.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (vocab.size() - 1) + ")");
        }
    }
}
