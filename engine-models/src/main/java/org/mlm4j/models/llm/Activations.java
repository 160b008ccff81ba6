package org.mlm4j.models.llm;

import org.mlm4j.kernels.Attention;

/**
 * Scratch rows for one batch of up to {@code maxBatch} positions, row-major {@code [batch][width]}
 * (llama2.c's RunState, batched). Owned by one session.
 */
final class Activations {
    final int maxBatch;
    /** The residual stream [batch][n_embd]. */
    final float[] x;
    /** A normed or projected copy of the stream [batch][n_embd]. */
    final float[] xb;
    /** A second [batch][n_embd] row set (phi-2's MLP output, added beside the attention output). */
    final float[] xb2;
    final float[] q;
    final float[] k;
    final float[] v;
    /** Fused projections [batch][q_dim + 2·kv_dim], split into q, k, v. */
    final float[] qkv;
    /** Attention output, heads concatenated [batch][q_dim]. */
    final float[] att;
    /** MLP hidden rows [batch][n_ff] (phi-3: [batch][2·n_ff], gate‖up). */
    final float[] hb;
    /** The up projection [batch][n_ff] beside {@link #hb}'s gate. */
    final float[] hb2;
    /** The RoPE position of each row [batch] (consecutive, except where FastV pruned rows away). */
    final int[] positions;
    /** The softmax scale the last self-attention applied to {@link #q}·k (1 when Q was pre-scaled). */
    float queryScale;
    /** The session's attention algorithm, which every block's self-attention calls. */
    final Attention attention;

    Activations(ModelConfig c, int maxBatch, Attention attention) {
        this.maxBatch = maxBatch;
        this.attention = attention;
        int e = c.embeddingLength();
        int ff = c.feedForwardLength();
        boolean fusedUp = c.architecture() == ModelConfig.Architecture.PHI3;
        positions = new int[maxBatch];
        x = new float[maxBatch * e];
        xb = new float[maxBatch * e];
        xb2 = new float[maxBatch * e];
        q = new float[maxBatch * c.queryDim()];
        k = new float[maxBatch * c.kvDim()];
        v = new float[maxBatch * c.kvDim()];
        qkv = new float[c.architecture() == ModelConfig.Architecture.LLAMA ? 0 : maxBatch * (c.queryDim() + 2 * c.kvDim())];
        att = new float[maxBatch * c.queryDim()];
        hb = new float[maxBatch * (fusedUp ? 2 * ff : ff)];
        hb2 = new float[fusedUp ? maxBatch * ff : maxBatch * ff];
    }
}
