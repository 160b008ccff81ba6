package org.mlm4j.models.mamba;

import org.mlm4j.gguf.GgufFile;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.MatmulKernels;
import org.mlm4j.kernels.OpsKernels;
import org.mlm4j.kernels.SsmKernels;
import org.mlm4j.tensor.Dequantize;
import org.mlm4j.tensor.Tensor;

/**
 * One Mamba-1 block (Gu &amp; Dao 2023, "Mamba: Linear-Time Sequence Modeling with Selective State
 * Spaces", Fig. 3) with its pre-norm residual, as llama.cpp's {@code build_mamba} computes it:
 * <pre>
 *   h        = RMSNorm(x)
 *   [u | z]  = in_proj · h                      (u, z: d_inner each)
 *   u        = SiLU(causal_conv1d(u) + b_conv)  (depthwise, width d_conv, rolling state)
 *   [δ|B|C]  = x_proj · u
 *   Δ        = dt_proj · δ + b_dt               (softplus is applied inside the scan)
 *   y        = selective_scan(u, Δ, A, B, C) + D ⊙ u
 *   x        = x + out_proj · (y ⊙ SiLU(z))
 * </pre>
 * Weights are read in place from the GGUF file; the small vectors (norm, conv taps and bias,
 * dt bias, D) are copied once.
 */
final class MambaBlock {
    private final MambaConfig config;
    private final MatmulKernels matmul;
    private final OpsKernels ops;
    private final SsmKernels ssm;

    private final float[] norm;      // attn_norm.weight   [n_embd]
    private final Tensor inProj;     // ssm_in.weight      [n_embd, 2·d_inner]
    private final float[] convTaps;  // ssm_conv1d.weight  [d_conv, d_inner]: d_inner rows of d_conv taps, oldest first
    private final float[] convBias;  // ssm_conv1d.bias    [d_inner]
    private final Tensor xProj;      // ssm_x.weight       [d_inner, dt_rank + 2·d_state]
    private final Tensor dtProj;     // ssm_dt.weight      [dt_rank, d_inner]
    private final float[] dtBias;    // ssm_dt.bias        [d_inner]
    private final Tensor a;          // ssm_a              [d_state, d_inner], already −exp(A_log)
    private final float[] d;         // ssm_d              [d_inner]
    private final Tensor outProj;    // ssm_out.weight     [d_inner, n_embd]

    MambaBlock(GgufFile file, int layer, MambaConfig config, KernelProvider kernels) {
        this.config = config;
        this.matmul = kernels.matmul();
        this.ops = kernels.ops();
        this.ssm = kernels.ssm();
        String p = "blk." + layer + ".";
        int e = config.embeddingLength();
        int di = config.innerSize();
        norm = vector(MambaWeights.shaped(file, p + "attn_norm.weight", e));
        inProj = MambaWeights.shaped(file, p + "ssm_in.weight", e, 2L * di);
        convTaps = vector(MambaWeights.shaped(file, p + "ssm_conv1d.weight", config.convKernel(), di));
        convBias = vector(MambaWeights.shaped(file, p + "ssm_conv1d.bias", di));
        xProj = MambaWeights.shaped(file, p + "ssm_x.weight", di, config.xProjWidth());
        dtProj = MambaWeights.shaped(file, p + "ssm_dt.weight", config.timeStepRank(), di);
        dtBias = vector(MambaWeights.shaped(file, p + "ssm_dt.bias", di));
        a = MambaWeights.f32(MambaWeights.shaped(file, p + "ssm_a", config.stateSize(), di));
        d = vector(MambaWeights.shaped(file, p + "ssm_d", di));
        outProj = MambaWeights.shaped(file, p + "ssm_out.weight", di, e);
    }

    private static float[] vector(Tensor t) {
        return Dequantize.toFloatArray(t);
    }

    /**
     * Runs {@code n} consecutive tokens of one sequence through the block: {@code x} ([n][n_embd],
     * the residual stream) is updated in place, and so is the layer's recurrent state.
     */
    void forward(float[] x, int n, MambaState.Layer state, MambaScratch s) {
        int e = config.embeddingLength();
        int di = config.innerSize();
        int rank = config.timeStepRank();
        int width = config.xProjWidth();

        ops.rmsNorm(x, 0, s.h, 0, e, n, norm, config.rmsEps());
        matmul.matmul(inProj, s.h, 0, s.uz, 0, n);
        s.splitHalves(n, di);

        ops.causalConv1d(s.u, 0, n, di, state.conv(), 0, convTaps, 0, config.convKernel(), convBias, s.u, 0);
        ops.silu(s.u, 0, s.u, 0, n * di);

        matmul.matmul(xProj, s.u, 0, s.dbc, 0, n);
        s.gatherDelta(n, rank, width);
        matmul.matmul(dtProj, s.delta, 0, s.dt, 0, n);
        ops.addRows(s.dt, 0, di, n, dtBias, 0);

        ssm.selectiveScan(state.ssm(), a.data(), di, config.stateSize(), s.u, s.dt, s.dbc, rank,
                rank + config.stateSize(), width, s.y, n);
        for (int t = 0; t < n; t++) {
            ops.mul(s.u, t * di, d, 0, s.u, t * di, di);
        }
        ops.add(s.y, 0, s.u, 0, s.y, 0, n * di);
        ops.silu(s.z, 0, s.z, 0, n * di);
        ops.mul(s.y, 0, s.z, 0, s.y, 0, n * di);

        matmul.matmul(outProj, s.y, 0, s.out, 0, n);
        ops.add(x, 0, s.out, 0, x, 0, n * e);
    }
}
