package org.mlm4j.models.mamba;

/** Activation buffers for a batch of up to {@code capacity} tokens, reused across layers and calls. */
final class MambaScratch {
    final int capacity;
    final float[] h;      // [n][n_embd]        normed input
    final float[] uz;     // [n][2·d_inner]     in_proj output
    final float[] u;      // [n][d_inner]       conv branch
    final float[] z;      // [n][d_inner]       gate branch
    final float[] dbc;    // [n][dt_rank + 2·d_state]  x_proj output
    final float[] delta;  // [n][dt_rank]       the δ part of dbc, contiguous for dt_proj
    final float[] dt;     // [n][d_inner]       Δ before softplus
    final float[] y;      // [n][d_inner]       scan output
    final float[] out;    // [n][n_embd]        out_proj output

    MambaScratch(MambaConfig c, int capacity) {
        this.capacity = capacity;
        int e = c.embeddingLength();
        int di = c.innerSize();
        h = new float[capacity * e];
        uz = new float[capacity * 2 * di];
        u = new float[capacity * di];
        z = new float[capacity * di];
        dbc = new float[capacity * c.xProjWidth()];
        delta = new float[capacity * c.timeStepRank()];
        dt = new float[capacity * di];
        y = new float[capacity * di];
        out = new float[capacity * e];
    }

    /** Splits each in_proj row [u | z] into the u and z buffers. */
    void splitHalves(int n, int di) {
        for (int t = 0; t < n; t++) {
            System.arraycopy(uz, t * 2 * di, u, t * di, di);
            System.arraycopy(uz, t * 2 * di + di, z, t * di, di);
        }
    }

    /** Copies the δ columns of each x_proj row into a contiguous [n][dt_rank] matrix. */
    void gatherDelta(int n, int rank, int width) {
        for (int t = 0; t < n; t++) {
            System.arraycopy(dbc, t * width, delta, t * rank, rank);
        }
    }
}
