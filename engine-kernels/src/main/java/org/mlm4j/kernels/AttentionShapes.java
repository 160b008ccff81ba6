package org.mlm4j.kernels;

/** Argument checks shared by the attention kernels, so a bad shape fails with a message, not garbage. */
public final class AttentionShapes {
    private AttentionShapes() {
    }

    /** Throws IllegalArgumentException unless the call's shapes fit its arrays and buffer. */
    public static void check(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                             KvBuffer kv, AttentionMask mask, float[] out, int outOffset, int outStride) {
        checkRows(q, qOffset, qStride, nTokens, nHeads, kv, out, outOffset, outStride);
        if (nTokens > 0 && firstPosition < 0 || mask.causal() && firstPosition + nTokens > kv.length()) {
            throw new IllegalArgumentException("attention: positions " + firstPosition + ".."
                    + (firstPosition + nTokens - 1) + " not all in the kv buffer (length " + kv.length() + ")");
        }
        if (kv.oldestStored() > kv.sinks() && nTokens > 0 && (mask.window() == 0 || mask.sinks() > kv.sinks()
                || firstPosition - mask.window() + 1 < kv.oldestStored())) {
            throw new IllegalArgumentException("attention: the mask (" + mask + ") sees positions the ring buffer has"
                    + " overwritten (positions " + kv.sinks() + ".." + (kv.oldestStored() - 1) + " are gone)");
        }
    }

    /** The query and output rows only: heads shared evenly, rows inside their arrays. */
    public static void checkRows(float[] q, int qOffset, int qStride, int nTokens, int nHeads, KvBuffer kv,
                                 float[] out, int outOffset, int outStride) {
        int width = nHeads * kv.headDim();
        if (nHeads <= 0 || nHeads % kv.nKvHeads() != 0) {
            throw new IllegalArgumentException("attention: " + nHeads + " query heads do not share "
                    + kv.nKvHeads() + " kv heads evenly");
        }
        if (nTokens < 0 || qStride < width || outStride < width || qOffset < 0 || outOffset < 0
                || nTokens > 0 && ((long) qOffset + (long) (nTokens - 1) * qStride + width > q.length
                || (long) outOffset + (long) (nTokens - 1) * outStride + width > out.length)) {
            throw new IllegalArgumentException("attention: " + nTokens + " rows of " + width
                    + " do not fit the q/out arrays at strides " + qStride + "/" + outStride);
        }
    }
}
