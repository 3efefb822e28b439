package dev.cifar10.cudnn;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The cuDNN path's settings, read from system properties: their values, and clear errors for others. */
class CudnnSettingsTest {
    @AfterEach
    void clear() {
        System.clearProperty(AlgorithmRule.PROPERTY);
        System.clearProperty(CudnnRuntime.WORKSPACE_LIMIT_PROPERTY);
    }

    @Test
    void algorithmRule() {
        assertEquals(AlgorithmRule.SEARCH, AlgorithmRule.fromProperty(), "the default");
        System.setProperty(AlgorithmRule.PROPERTY, "Heuristics");
        assertEquals(AlgorithmRule.HEURISTICS, AlgorithmRule.fromProperty());
        System.setProperty(AlgorithmRule.PROPERTY, "fastest");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, CudnnRuntime::shared, "a wrong setting is not a missing GPU");
        assertEquals("Unknown cuDNN algorithm rule 'fastest' in the system property cifar10.cudnn.algorithms; use search or heuristics.", e.getMessage());
    }

    @Test
    void workspaceLimit() {
        assertEquals(1024, CudnnRuntime.workspaceLimitMiB(), "the default");
        System.setProperty(CudnnRuntime.WORKSPACE_LIMIT_PROPERTY, " 0 ");
        assertEquals(0, CudnnRuntime.workspaceLimitMiB(), "0: only algorithms without workspace");
        for (String wrong : new String[]{"-1", "1.5", "lots"}) {
            System.setProperty(CudnnRuntime.WORKSPACE_LIMIT_PROPERTY, wrong);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, CudnnRuntime::shared);
            assertEquals("The system property cifar10.cudnn.workspace.limit.mib must be a whole number of MiB (0 or more), got '" + wrong + "'.",
                    e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new CudnnRuntime(new FakeCudnn(), AlgorithmRule.SEARCH, -1));
    }
}
