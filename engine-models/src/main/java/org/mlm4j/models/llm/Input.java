package org.mlm4j.models.llm;

import java.util.Arrays;

/** What a {@link Session} evaluates: token ids, or rows of input embeddings (e.g. a projected image). */
public sealed interface Input {

    /** Number of positions this input takes. */
    int count();

    static Input tokens(int... ids) {
        return new Tokens(ids);
    }

    /** {@code count} rows of {@code n_embd} floats, row-major, fed in place of token embeddings. */
    static Input embeddings(float[] rows, int count) {
        return new Embeddings(rows, count);
    }

    record Tokens(int[] ids) implements Input {
        public Tokens {
            ids = ids.clone();
        }

        @Override
        public int[] ids() {
            return ids.clone();
        }

        /** Token {@code i}, without copying. */
        public int id(int i) {
            return ids[i];
        }

        @Override
        public int count() {
            return ids.length;
        }

        @Override
        public String toString() {
            return "Tokens" + Arrays.toString(ids);
        }
    }

    record Embeddings(float[] rows, int count) implements Input {
        public Embeddings {
            if (count < 0 || (count > 0 && rows.length % count != 0)) {
                throw new IllegalArgumentException(rows.length + " floats are not " + count + " equal rows");
            }
        }

        /** The width of each row. */
        public int width() {
            return count == 0 ? 0 : rows.length / count;
        }
    }
}
