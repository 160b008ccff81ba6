package org.mlm4j.models.tokenizer;

/**
 * The code point classes llama.cpp's pre-tokenizers use (its {@code unicode_cpt_flags}): one
 * general-category class per code point (unassigned counts as control, like Python's
 * {@code regex} module that generated llama.cpp's table) plus the Unicode White_Space property,
 * which is what {@code \s} means there (so U+001C..U+001F are not whitespace, U+00A0 is).
 */
final class Unicode {
    static final int NUMBER = 0x02;
    static final int LETTER = 0x04;
    static final int SEPARATOR = 0x08;
    static final int ACCENT_MARK = 0x10;
    static final int PUNCTUATION = 0x20;
    static final int SYMBOL = 0x40;
    static final int CONTROL = 0x80;
    static final int WHITESPACE = 0x100;

    private Unicode() {
    }

    /** The category class of {@code cp} or'ed with {@link #WHITESPACE}; 0 for positions outside the text (-1). */
    static int flags(int cp) {
        if (cp < 0) {
            return 0;
        }
        int f = category(cp);
        return isWhitespace(cp) ? f | WHITESPACE : f;
    }



    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    private static int category(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> ACCENT_MARK;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            default -> CONTROL; // Cc, Cf, Co, Cs and unassigned
        };
    }

    /** The sequence length a lead byte announces (llama.cpp's {@code unicode_len_utf8}); 0 for a bare continuation byte. */
    static int sequenceLength(int leadByte) {
        if (leadByte < 0x80) {
            return 1;
        }
        if (leadByte < 0xC0) {
            return 0;
        }
        if (leadByte < 0xE0) {
            return 2;
        }
        return leadByte < 0xF0 ? 3 : (leadByte < 0xF8 ? 4 : 0);
    }
}
