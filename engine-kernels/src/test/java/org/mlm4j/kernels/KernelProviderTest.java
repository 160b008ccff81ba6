package org.mlm4j.kernels;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** The test matrix really exercises what it claims: SIMD at the JVM's vector width, or scalar. */
class KernelProviderTest {

    @Test
    void providerMatchesTheJvmItRunsIn() {
        KernelProvider provider = KernelProvider.get();
        if (KernelProvider.vectorModulePresent()) {
            long maxVectorBytes = Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption("MaxVectorSize").getValue());
            assertThat(provider.name()).isEqualTo("panama-" + Math.min(512, maxVectorBytes * 8));
        } else {
            assertThat(provider.name()).isEqualTo("scalar");
        }
        assertThat(KernelProvider.scalar().name()).isEqualTo("scalar");
    }
}
