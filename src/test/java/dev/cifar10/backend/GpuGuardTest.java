package dev.cifar10.backend;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The GPU guard on injected nvidia-smi answers: what each kind of machine gets told. */
class GpuGuardTest {
    static NvidiaSmi.Answer smi(String csv) {
        return new NvidiaSmi.Answer(true, 0, csv);
    }

    static BackendException refused(NvidiaSmi.Answer answer, int device) {
        return assertThrows(BackendException.class, () -> GpuGuard.choose(answer, device));
    }

    @Test
    void acceptsSupportedGpusFromKeplerK80ToAda() {
        for (String line : new String[]{"0, Tesla K80, 11441, 3.7, 510.47.03", "0, Tesla V100-SXM2-16GB, 16160, 7.0, 525.60.13",
                "0, NVIDIA A100-SXM4-40GB, 40960, 8.0, 535.104.05", "0, NVIDIA GeForce RTX 3090, 24576, 8.6, 550.54.14",
                "0, NVIDIA GeForce RTX 4090, 24564, 8.9, 560.35.03"}) {
            GpuDevice d = GpuGuard.choose(smi(line), -1).get(0);
            assertEquals(0, d.index(), line);
        }
        GpuDevice a100 = GpuGuard.choose(smi("0, NVIDIA A100-SXM4-40GB, 40960, 8.0, 535.104.05"), -1).get(0);
        assertEquals("NVIDIA A100-SXM4-40GB", a100.name());
        assertEquals(40960, a100.memoryMiB());
        assertEquals("8.0", a100.computeCapability());
    }

    @Test
    void refusesHopperWithTheReasonAndTheRemedy() {
        BackendException e = refused(smi("0, NVIDIA H100 80GB HBM3, 81559, 9.0, 535.104.05"), -1);
        assertTrue(e.getMessage().contains("NVIDIA H100 80GB HBM3") && e.getMessage().contains("compute capability 9.0"), e.getMessage());
        assertTrue(e.getMessage().contains("sm_37 to sm_86 and no PTX"), e.getMessage());
        assertTrue(e.remedy().contains("without -Pcuda"), e.remedy());
    }

    @Test
    void refusesBlackwellConsumerCards() {
        BackendException e = refused(smi("0, NVIDIA GeForce RTX 5090, 32607, 12.0, 570.86.10"), -1);
        assertTrue(e.getMessage().contains("RTX 5090") && e.getMessage().contains("12.0"), e.getMessage());
    }

    @Test
    void refusesKeplerK40AndOldDrivers() {
        assertTrue(refused(smi("0, Tesla K40m, 11441, 3.5, 510.47.03"), -1).getMessage().contains("older than 3.7"));
        BackendException old = refused(smi("0, NVIDIA GeForce RTX 3090, 24576, 8.6, 470.199.02"), -1);
        assertTrue(old.getMessage().contains("driver 470.199.02 is older than 510.39.01"), old.getMessage());
        assertTrue(refused(smi("0, Tesla T4, 15360, [N/A], 510.47.03"), -1).getMessage().contains("did not report"));
    }

    @Test
    void refusesMachinesWithoutDriverOrGpu() {
        BackendException none = refused(new NvidiaSmi.Answer(false, -1, "No such file"), -1);
        assertTrue(none.getMessage().contains("no NVIDIA driver was found"), none.getMessage());
        BackendException broken = refused(new NvidiaSmi.Answer(true, 9,
                "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."), -1);
        assertTrue(broken.getMessage().contains("couldn't communicate") && broken.remedy().contains("--gpus all"), broken.getMessage());
        assertTrue(refused(smi(""), -1).getMessage().contains("no GPU"));
    }

    @Test
    void selectsEverySupportedGpuOrTheRequestedOne() {
        NvidiaSmi.Answer mixed = smi("0, NVIDIA H100 PCIe, 81559, 9.0, 550.54.14\n1, NVIDIA RTX A6000, 49140, 8.6, 550.54.14\n");
        assertEquals(List.of(1), GpuGuard.choose(mixed, -1).stream().map(GpuDevice::index).toList());
        assertEquals(List.of(1), GpuGuard.choose(mixed, 1).stream().map(GpuDevice::index).toList());
        NvidiaSmi.Answer two = smi("0, NVIDIA RTX A6000, 49140, 8.6, 550.54.14\n1, NVIDIA RTX A6000, 49140, 8.6, 550.54.14\n");
        assertEquals(List.of(0, 1), GpuGuard.choose(two, -1).stream().map(GpuDevice::index).toList(), "one worker per GPU by default");
        assertEquals(List.of(1), GpuGuard.choose(two, 1).stream().map(GpuDevice::index).toList());
        BackendException h100 = refused(mixed, 0);
        assertTrue(h100.getMessage().contains("H100") && h100.remedy().contains("--device (1)"), h100.getMessage() + " / " + h100.remedy());
        BackendException missing = refused(mixed, 5);
        assertTrue(missing.getMessage().contains("--device 5 does not exist") && missing.getMessage().contains("RTX A6000"), missing.getMessage());
    }

    @Test
    void comparesDriverVersionsNumerically() {
        assertTrue(GpuGuard.compareVersions("535.104.05", "510.39.01") > 0);
        assertTrue(GpuGuard.compareVersions("510.39.01", "510.39.01") == 0);
        assertTrue(GpuGuard.compareVersions("510.6", "510.39.01") < 0);
        assertTrue(GpuGuard.compareVersions("1000.1", "510.39.01") > 0);
    }
}
