package org.mlm4j.kernels;

/** The scalar kernels: plain loops that define what every kernel computes. */
public final class ScalarKernelProvider extends KernelProvider {
    private final MatmulKernels matmul = new ScalarMatmulKernels();
    private final OpsKernels ops = new ScalarOpsKernels();
    private final AttentionKernels attention = new ScalarAttentionKernels();
    private final SsmKernels ssm = new ScalarSsmKernels();

    @Override
    public String name() {
        return "scalar";
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
