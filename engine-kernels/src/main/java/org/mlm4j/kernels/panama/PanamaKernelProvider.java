package org.mlm4j.kernels.panama;

import org.mlm4j.kernels.AttentionKernels;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.MatmulKernels;
import org.mlm4j.kernels.OpsKernels;
import org.mlm4j.kernels.SsmKernels;

/** The Vector API kernels; loaded reflectively by {@link KernelProvider#get()} only. */
public final class PanamaKernelProvider extends KernelProvider {
    private final MatmulKernels matmul;
    private final OpsKernels ops;
    private final AttentionKernels attention;
    private final SsmKernels ssm = new PanamaSsmKernels();

    public PanamaKernelProvider() {
        int bits = VectorConstants.VECTOR_BITS;
        if (bits < 128) {
            throw new UnsupportedOperationException("preferred vector size is " + bits + " bits, below 128");
        }
        this.matmul = new PanamaMatmulKernels();
        this.ops = new PanamaOpsKernels();
        this.attention = new PanamaAttentionKernels();
    }

    @Override
    public String name() {
        return "panama-" + VectorConstants.VECTOR_BITS;
    }

    @Override
    public MatmulKernels matmul() {
        return matmul;
    }

    @Override
    public OpsKernels ops() {
        return ops;
    }

    @Override
    public AttentionKernels attention() {
        return attention;
    }

    @Override
    public SsmKernels ssm() {
        return ssm;
    }
}
