package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.D;
import static org.mlm4j.kernels.panama.VectorConstants.F;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import org.mlm4j.kernels.Rope;
import org.mlm4j.kernels.ScalarOpsKernels;

/**
 * Vector API ops. Norms, softmax, the exp/tanh activations, arithmetic and RoPE are vectorised;
 * the fp16-table activations, erf-GELU, the small convolutions, pooling and the F16/BF16
 * conversions (JDK intrinsics) stay scalar (inherited). Each method computes what its scalar twin
 * does; sums taken in a different order agree to float tolerance, RoPE and the element-wise ops
 * exactly.
 */
final class PanamaOpsKernels extends ScalarOpsKernels {
    /** Lane i takes lane i + w (mod lanes): the steps of {@link #laneSum}, w = 8, 4, 2, 1. */
    private static final VectorShuffle<Float> FROM_8 = VectorShuffle.fromOp(F, i -> (i + 8) % F.length());
    private static final VectorShuffle<Float> FROM_4 = VectorShuffle.fromOp(F, i -> (i + 4) % F.length());
    private static final VectorShuffle<Float> FROM_2 = VectorShuffle.fromOp(F, i -> (i + 2) % F.length());
    private static final VectorShuffle<Float> FROM_1 = VectorShuffle.fromOp(F, i -> (i + 1) % F.length());

    /**
     * Σ lanes in {@link Lanes#sum(float[], int)}'s fixed pairwise order (lane i += lane i + w for
     * halving w), but in registers: exact lane operations, so the same bits compiled or interpreted,
     * without a store and a scalar loop per dot product.
     */
    static float laneSum(FloatVector v) {
        int lanes = F.length();
        if (lanes >= 16) {
            v = v.add(v.rearrange(FROM_8));
        }
        if (lanes >= 8) {
            v = v.add(v.rearrange(FROM_4));
        }
        v = v.add(v.rearrange(FROM_2));
        return v.add(v.rearrange(FROM_1)).lane(0);
    }

    /** Swaps the floats of each adjacent pair: lane 2i ↔ 2i+1 (NORMAL RoPE). */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(F, i -> i ^ 1);

    // ---------------------------------------------------------------- shared vector loops

    /** Σ x[i]² with the squares rounded to float and summed in double (ggml rms_norm). */
    private static double sumOfSquares(float[] x, int o, int n) {
        DoubleVector acc = DoubleVector.zero(D);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, o + i);
            FloatVector sq = v.mul(v);
            acc = acc.add((DoubleVector) sq.convertShape(VectorOperators.F2D, D, 0))
                    .add((DoubleVector) sq.convertShape(VectorOperators.F2D, D, 1));
        }
        double sum = Lanes.sum(acc);
        for (; i < n; i++) {
            sum += (double) (x[o + i] * x[o + i]);
        }
        return sum;
    }

    /** Σ (x[i] − center)² ({@code squared}) or Σ x[i], float terms summed in double (ggml norm). */
    private static double sum(float[] x, int o, int n, float center, boolean squared) {
        DoubleVector acc = DoubleVector.zero(D);
        FloatVector c = FloatVector.broadcast(F, center);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, o + i);
            if (squared) {
                v = v.sub(c);
                v = v.mul(v);
            }
            acc = acc.add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0))
                    .add((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1));
        }
        double sum = Lanes.sum(acc);
        for (; i < n; i++) {
            float v = x[o + i];
            if (squared) {
                v -= center;
                v *= v;
            }
            sum += v;
        }
        return sum;
    }

    /** {@code y = x·s·w + b}, w and b optional (index i of both). */
    private static void scaleWeightBias(float[] x, int xo, float shift, float s, float[] y, int yo, int n,
                                        float[] w, float[] b) {
        FloatVector vs = FloatVector.broadcast(F, s);
        FloatVector vshift = FloatVector.broadcast(F, shift);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i).sub(vshift).mul(vs);
            if (w != null) {
                v = v.mul(FloatVector.fromArray(F, w, i));
            }
            if (b != null) {
                v = v.add(FloatVector.fromArray(F, b, i));
            }
            v.intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            float v = (x[xo + i] - shift) * s;
            if (w != null) {
                v *= w[i];
            }
            if (b != null) {
                v += b[i];
            }
            y[yo + i] = v;
        }
    }

    /**
     * In-place {@code exp(x − max)/Σ} over n floats: the exps by {@link VectorMath#exp} (the last,
     * partial vector masked, so every element goes through the same function), each vector's sum
     * added in double as ggml's AVX soft_max does, then × {@code (float)(1/sum)}.
     */
    static void softmaxRow(float[] x, int o, int n) {
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            vmax = vmax.max(FloatVector.fromArray(F, x, o + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[o + i]);
        }
        FloatVector m = FloatVector.broadcast(F, max);
        double sum = 0;
        for (i = 0; i < bound; i += F.length()) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, x, o + i).sub(m));
            e.intoArray(x, o + i);
            sum += laneSum(e);
        }
        if (i < n) {
            VectorMask<Float> tail = F.indexInRange(i, n);
            FloatVector e = FloatVector.zero(F).blend(VectorMath.exp(FloatVector.fromArray(F, x, o + i, tail).sub(m)), tail);
            e.intoArray(x, o + i, tail);
            sum += laneSum(e);
        }
        scaleInPlace(x, o, n, (float) (1.0 / sum));
    }

    static void scaleInPlace(float[] x, int o, int n, float s) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, o + i).mul(s).intoArray(x, o + i);
        }
        for (; i < n; i++) {
            x[o + i] *= s;
        }
    }

    /** Σ a[i]·b[i] in float with FMA. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float sum = laneSum(acc);
        for (; i < n; i++) {
            sum = Math.fma(a[ao + i], b[bo + i], sum);
        }
        return sum;
    }

    /** {@code y[i] += s·x[i]} with FMA. */
    static void axpy(float s, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector vs = FloatVector.broadcast(F, s);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).fma(vs, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = Math.fma(x[xo + i], s, y[yo + i]);
        }
    }

    // ---------------------------------------------------------------- norms

    @Override
    public void rmsNorm(float[] x, int xOffset, float[] y, int yOffset, int n, int rows, float[] weight, float eps) {
        for (int r = 0; r < rows; r++) {
            float mean = (float) (sumOfSquares(x, xOffset + r * n, n) / n);
            float s = 1.0f / (float) Math.sqrt(mean + eps);
            scaleWeightBias(x, xOffset + r * n, 0f, s, y, yOffset + r * n, n, weight, null);
        }
    }

    @Override
    public void layerNorm(float[] x, int xOffset, float[] y, int yOffset, int n, int rows,
                          float[] weight, float[] bias, float eps) {
        split(rows, n, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int xo = xOffset + r * n;
                float mean = (float) (sum(x, xo, n, 0f, false) / n);
                float variance = (float) (sum(x, xo, n, mean, true) / n);
                float s = 1.0f / (float) Math.sqrt(variance + eps);
                scaleWeightBias(x, xo, mean, s, y, yOffset + r * n, n, weight, bias);
            }
        });
    }

    @Override
    protected void softmaxInPlace(float[] x, int offset, int n) {
        softmaxRow(x, offset, n);
    }

    // ---------------------------------------------------------------- activations
    // The transcendental activations run their last partial vector masked rather than through the
    // scalar twin, so an element's value does not depend on where a batch of rows happens to end.

    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;
    private static final float GELU_COEF_A = 0.044715f;

    @Override
    public void geluTanh(float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i += F.length()) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xOffset + i, m);
            FloatVector inner = v.mul(SQRT_2_OVER_PI).mul(v.mul(GELU_COEF_A).mul(v).add(1.0f));
            v.mul(0.5f).mul(VectorMath.tanh(inner).add(1.0f)).intoArray(y, yOffset + i, m);
        }
    }

    @Override
    public void quickGeluExact(float[] x, int xOffset, float[] y, int yOffset, int n) {
        split(n, 1, (i0, i1) -> {
            for (int i = i0; i < i1; i += F.length()) {
                VectorMask<Float> m = F.indexInRange(i, i1);
                FloatVector v = FloatVector.fromArray(F, x, xOffset + i, m);
                FloatVector e = VectorMath.exp(v.mul(-1.702f));
                v.mul(FloatVector.broadcast(F, 1.0f).div(e.add(1.0f))).intoArray(y, yOffset + i, m);
            }
        });
    }

    private static FloatVector silu(FloatVector v) {
        return v.div(VectorMath.exp(v.neg()).add(1.0f));
    }

    @Override
    public void silu(float[] x, int xOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i += F.length()) {
            VectorMask<Float> m = F.indexInRange(i, n);
            silu(FloatVector.fromArray(F, x, xOffset + i, m)).intoArray(y, yOffset + i, m);
        }
    }

    @Override
    public void swiglu(float[] gate, int gateOffset, float[] up, int upOffset, float[] y, int yOffset, int n) {
        for (int i = 0; i < n; i += F.length()) {
            VectorMask<Float> m = F.indexInRange(i, n);
            silu(FloatVector.fromArray(F, gate, gateOffset + i, m)).mul(FloatVector.fromArray(F, up, upOffset + i, m))
                    .intoArray(y, yOffset + i, m);
        }
    }

    @Override
    public void relu(float[] x, int xOffset, float[] y, int yOffset, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xOffset + i).max(0f).intoArray(y, yOffset + i);
        }
        super.relu(x, xOffset + i, y, yOffset + i, n - i);
    }

    private static FloatVector hardsigmoid(FloatVector v) {
        return v.add(3.0f).div(6.0f).max(0.0f).min(1.0f);
    }

    @Override
    public void hardswish(float[] x, int xOffset, float[] y, int yOffset, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xOffset + i);
            v.mul(hardsigmoid(v)).intoArray(y, yOffset + i);
        }
        super.hardswish(x, xOffset + i, y, yOffset + i, n - i);
    }

    @Override
    public void hardsigmoid(float[] x, int xOffset, float[] y, int yOffset, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            hardsigmoid(FloatVector.fromArray(F, x, xOffset + i)).intoArray(y, yOffset + i);
        }
        super.hardsigmoid(x, xOffset + i, y, yOffset + i, n - i);
    }

    // ---------------------------------------------------------------- arithmetic

    @Override
    public void add(float[] a, int aOffset, float[] b, int bOffset, float[] y, int yOffset, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, a, aOffset + i).add(FloatVector.fromArray(F, b, bOffset + i)).intoArray(y, yOffset + i);
        }
        super.add(a, aOffset + i, b, bOffset + i, y, yOffset + i, n - i);
    }

    @Override
    public void mul(float[] a, int aOffset, float[] b, int bOffset, float[] y, int yOffset, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, a, aOffset + i).mul(FloatVector.fromArray(F, b, bOffset + i)).intoArray(y, yOffset + i);
        }
        super.mul(a, aOffset + i, b, bOffset + i, y, yOffset + i, n - i);
    }

    @Override
    public void scale(float[] x, int xOffset, float[] y, int yOffset, int n, float s) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xOffset + i).mul(s).intoArray(y, yOffset + i);
        }
        super.scale(x, xOffset + i, y, yOffset + i, n - i, s);
    }

    // ---------------------------------------------------------------- RoPE

    /**
     * The scalar twin's rotation, lane by lane: NEOX rotates the two contiguous halves; NORMAL uses
     * cos/sin expanded to every lane ({@code c = cos_i} on both lanes of pair i, {@code s = ∓sin_i})
     * and the pair-swapped input, {@code y = x·c + swap(x)·s}, which rounds as the scalar
     * {@code x0·cos − x1·sin}, {@code x0·sin + x1·cos}.
     */
    @Override
    public void rope(Rope rope, float[] x, int xOffset, int rowStride, int nTokens, int nHeads, int firstPosition) {
        int pairs = rope.nRot() / 2;
        boolean normal = rope.mode() == Rope.Mode.NORMAL;
        float[] cos = new float[pairs];
        float[] sin = new float[pairs];
        float[] cosLanes = new float[normal ? rope.nRot() : 0];
        float[] sinLanes = new float[normal ? rope.nRot() : 0];
        for (int t = 0; t < nTokens; t++) {
            rope.angles(firstPosition + t, cos, sin);
            if (normal) {
                for (int i = 0; i < pairs; i++) {
                    cosLanes[2 * i] = cos[i];
                    cosLanes[2 * i + 1] = cos[i];
                    sinLanes[2 * i] = -sin[i];
                    sinLanes[2 * i + 1] = sin[i];
                }
            }
            for (int h = 0; h < nHeads; h++) {
                int o = xOffset + t * rowStride + h * rope.headDim();
                if (normal) {
                    rotateAdjacentPairs(x, o, rope.nRot(), cosLanes, sinLanes);
                } else {
                    rotateHalves(x, o, pairs, cos, sin);
                }
            }
        }
    }

    private static void rotateAdjacentPairs(float[] x, int o, int nRot, float[] cosLanes, float[] sinLanes) {
        int i = 0;
        for (int bound = F.loopBound(nRot); i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, o + i);
            v.mul(FloatVector.fromArray(F, cosLanes, i))
                    .add(v.rearrange(SWAP_PAIRS).mul(FloatVector.fromArray(F, sinLanes, i)))
                    .intoArray(x, o + i);
        }
        for (; i < nRot; i += 2) {
            float x0 = x[o + i];
            float x1 = x[o + i + 1];
            x[o + i] = x0 * cosLanes[i] + x1 * sinLanes[i];
            x[o + i + 1] = x1 * cosLanes[i + 1] + x0 * sinLanes[i + 1];
        }
    }

    private static void rotateHalves(float[] x, int o, int pairs, float[] cos, float[] sin) {
        int i = 0;
        for (int bound = F.loopBound(pairs); i < bound; i += F.length()) {
            FloatVector x0 = FloatVector.fromArray(F, x, o + i);
            FloatVector x1 = FloatVector.fromArray(F, x, o + pairs + i);
            FloatVector c = FloatVector.fromArray(F, cos, i);
            FloatVector s = FloatVector.fromArray(F, sin, i);
            x0.mul(c).sub(x1.mul(s)).intoArray(x, o + i);
            x0.mul(s).add(x1.mul(c)).intoArray(x, o + pairs + i);
        }
        for (; i < pairs; i++) {
            float x0 = x[o + i];
            float x1 = x[o + pairs + i];
            x[o + i] = x0 * cos[i] - x1 * sin[i];
            x[o + pairs + i] = x0 * sin[i] + x1 * cos[i];
        }
    }
}
