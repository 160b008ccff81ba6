package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.F;

import jdk.incubator.vector.FloatVector;
import org.mlm4j.kernels.FeatureMap;
import org.mlm4j.kernels.KvBuffer;
import org.mlm4j.kernels.LinearAttentionState;
import org.mlm4j.kernels.Parallel;

/**
 * Vector API linear attention, the twin of {@code ScalarLinearAttention} (same running sums, same
 * FAVOR+ stabiliser): feature logits by FMA dot products against the projection rows, the state
 * update {@code S_i += φ_i·v} and the read-out {@code Σ_i φ_i·S_i} as FMA row updates. One task per
 * KV head on {@link Parallel}, updating that head's part of the {@link LinearAttentionState} (the
 * buffer's carried one, or a fresh one per call).
 */
final class PanamaLinearAttention {
    private PanamaLinearAttention() {
    }

    static void attend(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                       KvBuffer kv, boolean causal, FeatureMap features, float scale,
                       float[] out, int outOffset, int outStride) {
        LinearAttentionState state = LinearAttentionState.forCall(q, qOffset, qStride, nTokens, nHeads, firstPosition,
                kv, causal, features.features(kv.headDim()), out, outOffset, outStride);
        Parallel.forRange(kv.nKvHeads(), 1, (start, end) -> {
            for (int kvHead = start; kvHead < end; kvHead++) {
                head(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv, causal, features, scale,
                        out, outOffset, outStride, state, kvHead);
            }
        });
        if (causal) {
            state.foldedTo(firstPosition + nTokens);
        }
    }

    private static void head(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                             KvBuffer kv, boolean causal, FeatureMap features, float scale,
                             float[] out, int outOffset, int outStride, LinearAttentionState state, int kvHead) {
        int d = kv.headDim();
        int m = features.features(d);
        int group = nHeads / kv.nKvHeads();
        float[] phi = new float[m + F.length()];
        float[] omegaT = features instanceof FeatureMap.Favor favor ? transposed(favor.projection(d), m, d) : null;
        float[] key = new float[d];
        float[] value = new float[d];
        float[] sums = state.sums(kvHead);
        float[] normaliser = state.normaliser(kvHead);
        float stabiliser = state.stabiliser(kvHead);
        int added = state.folded();
        for (int t = 0; t < nTokens; t++) {
            int keysEnd = causal ? firstPosition + t + 1 : kv.length();
            for (; added < keysEnd; added++) {
                kv.readKey(added, kvHead, key, 0);
                kv.readValue(added, kvHead, value, 0);
                float c = Math.max(stabiliser, logits(features, omegaT, m, key, 0, d, scale, phi));
                if (c != stabiliser && stabiliser != Float.NEGATIVE_INFINITY) {
                    float rescale = (float) Math.exp(stabiliser - c);
                    PanamaOpsKernels.scaleInPlace(sums, 0, sums.length, rescale);
                    PanamaOpsKernels.scaleInPlace(normaliser, 0, m, rescale);
                }
                stabiliser = c;
                features.exponentiate(phi, c);
                PanamaOpsKernels.axpy(1f, phi, 0, normaliser, 0, m);
                for (int i = 0; i < m; i++) {
                    PanamaOpsKernels.axpy(phi[i], value, 0, sums, i * d, d);
                }
            }
            for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
                features.exponentiate(phi, logits(features, omegaT, m, q, qOffset + t * qStride + h * d, d, scale, phi));
                int o = outOffset + t * outStride + h * d;
                java.util.Arrays.fill(out, o, o + d, 0f);
                for (int i = 0; i < m; i++) {
                    PanamaOpsKernels.axpy(phi[i], sums, i * d, out, o, d);
                }
                PanamaOpsKernels.scaleInPlace(out, o, d, 1f / PanamaOpsKernels.dot(phi, 0, normaliser, 0, m));
            }
        }
        state.setStabiliser(kvHead, stabiliser);
    }

    /**
     * {@link FeatureMap#logits}, FAVOR+'s projection from the transposed directions
     * ({@code omegaT[j][i] = ω_i[j]}): a vector of features at a time accumulates
     * {@code x[j]·omegaT[j][…]} by FMA, with no horizontal sums.
     */
    private static float logits(FeatureMap features, float[] omegaT, int m, float[] x, int xo, int d, float scale,
                                float[] phi) {
        if (omegaT == null) {
            return features.logits(x, xo, d, scale, phi);
        }
        int padded = paddedWidth(m);
        float root = (float) Math.sqrt(scale);
        float norm = 0;
        for (int j = 0; j < d; j++) {
            float v = root * x[xo + j];
            norm += v * v;
        }
        float half = norm / 2;
        float max = Float.NEGATIVE_INFINITY;
        for (int f = 0; f < m; f += F.length()) {
            FloatVector acc = FloatVector.zero(F);
            for (int j = 0; j < d; j++) {
                acc = FloatVector.broadcast(F, x[xo + j]).fma(FloatVector.fromArray(F, omegaT, j * padded + f), acc);
            }
            acc.mul(root).sub(half).intoArray(phi, f);
        }
        for (int f = 0; f < m; f++) {
            max = Math.max(max, phi[f]);
        }
        return max;
    }

    private static int paddedWidth(int m) {
        return (m + F.length() - 1) / F.length() * F.length();
    }

    /**
     * The {@code m×d} directions as {@code d} rows of {@code m} (padded to whole vectors); read
     * once per call.
     */
    private static float[] transposed(float[] omega, int m, int d) {
        int padded = paddedWidth(m);
        float[] t = new float[d * padded];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                t[j * padded + i] = omega[i * d + j];
            }
        }
        return t;
    }
}
