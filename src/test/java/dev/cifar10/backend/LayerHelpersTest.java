package dev.cifar10.backend;

import dev.cifar10.model.NotebookCnn;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** What the banner reports is read from the layers: a network whose layers lost their helpers is reported, not assumed fine. */
class LayerHelpersTest {
    @Test
    void reportsTheHelpersTheLayersCarry() {
        BackendInfo backend = Backends.initialise(BackendOptions.defaults());
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(777));
        assertEquals(Map.of("convolution", Map.of("MKLDNNConvHelper", 6), "subsampling", Map.of("MKLDNNSubsamplingHelper", 3)),
                LayerHelpers.attached(net));
        assertNull(LayerHelpers.warning(backend, net));

        String before = System.getProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY);
        System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, "true"); // as if DL4J had dropped them
        MultiLayerNetwork without;
        try {
            without = NotebookCnn.build(NotebookCnn.Settings.notebook(777));
        } finally {
            System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, before);
        }
        assertEquals("convolution: 6 built-in | subsampling: 3 built-in", LayerHelpers.describe(without));
        String warning = LayerHelpers.warning(backend, without);
        assertNotNull(warning);
        assertTrue(warning.contains("oneDNN helpers are on, but some layers run DL4J's built-in implementation"), warning);
    }
}
