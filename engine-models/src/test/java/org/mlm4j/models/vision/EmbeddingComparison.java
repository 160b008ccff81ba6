package org.mlm4j.models.vision;

/** Compares embeddings with the oracle's. */
final class EmbeddingComparison {
    private EmbeddingComparison() {
    }

    /** Largest |a − b| over all values. */
    static double maxAbsDiff(float[] expected, double[] actual) {
        double m = 0;
        for (int i = 0; i < expected.length; i++) {
            m = Math.max(m, Math.abs(expected[i] - actual[i]));
        }
        return m;
    }

    /** Smallest cosine similarity between corresponding rows of length {@code width}. */
    static double minRowCosine(float[] expected, double[] actual, int width) {
        double min = 1;
        for (int r = 0; r < expected.length / width; r++) {
            double dot = 0, ee = 0, aa = 0;
            for (int i = r * width; i < (r + 1) * width; i++) {
                dot += expected[i] * actual[i];
                ee += (double) expected[i] * expected[i];
                aa += actual[i] * actual[i];
            }
            min = Math.min(min, dot / Math.sqrt(ee * aa));
        }
        return min;
    }

    static double[] flatten(double[][] rows) {
        double[] v = new double[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, v, r * rows[r].length, rows[r].length);
        }
        return v;
    }

    static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
