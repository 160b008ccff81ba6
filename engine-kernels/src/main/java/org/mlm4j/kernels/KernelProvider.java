package org.mlm4j.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Chooses the kernel implementation once at start-up, as Lucene's VectorizationProvider does:
 * the scalar kernels ({@link ScalarKernelProvider}) are the definition and the fallback; the
 * Vector API kernels ({@code org.mlm4j.kernels.panama}) are loaded reflectively only when the
 * {@code jdk.incubator.vector} module is in the boot layer, so no class touching that module is
 * ever loaded without it. {@code -Dmlm4j.vector=false} forces the scalar kernels.
 *
 * <p>Model code calls kernels only through a provider.
 */
public abstract class KernelProvider {
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String PANAMA_PROVIDER = "org.mlm4j.kernels.panama.PanamaKernelProvider";

    /** A short name for logs and benchmarks: "scalar" or "panama-256" and so on. */
    public abstract String name();

    /** Matrix-vector and matrix-matrix products over every weight type. */
    public abstract MatmulKernels matmul();

    /** Element-wise and row operations: norms, activations, RoPE, convolutions, pooling. */
    public abstract OpsKernels ops();

    /** Exact multi-head attention over a {@link KvBuffer}. */
    public abstract AttentionKernels attention();

    /** State-space-model kernels: Mamba's selective scan. */
    public abstract SsmKernels ssm();

    /** The provider chosen for this JVM. */
    public static KernelProvider get() {
        return Holder.INSTANCE;
    }

    /** The scalar reference kernels, whatever the JVM offers. */
    public static KernelProvider scalar() {
        return ScalarHolder.INSTANCE;
    }

    /** Whether the Vector API module is in the boot layer of this JVM. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    static KernelProvider lookup() {
        if (!Boolean.parseBoolean(System.getProperty("mlm4j.vector", "true"))) {
            return scalar();
        }
        if (!vectorModulePresent()) {
            System.getLogger(KernelProvider.class.getName()).log(System.Logger.Level.WARNING,
                    "mlm4j: the Vector API module is not available, using the much slower scalar kernels;"
                            + " pass '--add-modules " + VECTOR_MODULE + "' to the java command to enable SIMD");
            return scalar();
        }
        try {
            Class<?> c = MethodHandles.lookup().findClass(PANAMA_PROVIDER);
            return (KernelProvider) MethodHandles.lookup().findConstructor(c, MethodType.methodType(void.class)).invoke();
        } catch (UnsupportedOperationException e) {
            System.getLogger(KernelProvider.class.getName()).log(System.Logger.Level.WARNING,
                    "mlm4j: Vector API kernels unavailable (" + e.getMessage() + "), using the scalar kernels");
            return scalar();
        } catch (Throwable e) {
            throw new LinkageError("cannot load the Vector API kernels", e);
        }
    }

    private static final class Holder {
        static final KernelProvider INSTANCE = lookup();
    }

    private static final class ScalarHolder {
        static final KernelProvider INSTANCE = new ScalarKernelProvider();
    }
}
