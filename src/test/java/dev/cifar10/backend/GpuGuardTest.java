package dev.cifar10.backend;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The GPU guard on injected nvidia-smi answers: what each kind of machine gets told, and which GPUs are used. */
class GpuGuardTest {
    static NvidiaSmi.Answer smi(String csv) {
        return new NvidiaSmi.Answer(true, 0, csv);
    }

    static List<Integer> chosen(NvidiaSmi.Answer answer, String device, int workers, String visible) {
        return GpuGuard.choose(answer, device, workers, visible).stream().map(GpuDevice::index).toList();
    }

    static BackendException refused(NvidiaSmi.Answer answer, String device) {
        return assertThrows(BackendException.class, () -> GpuGuard.choose(answer, device, 0, null));
    }

    @Test
    void acceptsSupportedGpusFromKeplerK80ToAda() {
        for (String line : new String[]{"0, Tesla K80, 11441, 3.7, 470.256.02", "0, Tesla V100-SXM2-16GB, 16160, 7.0, 525.60.13",
                "0, NVIDIA A100-SXM4-40GB, 40960, 8.0, 535.104.05", "0, NVIDIA GeForce RTX 3090, 24576, 8.6, 550.54.14",
                "0, NVIDIA GeForce RTX 4090, 24564, 8.9, 560.35.03"}) {
            assertEquals(List.of(0), chosen(smi(line), "auto", 0, null), line);
        }
        GpuDevice a100 = GpuGuard.choose(smi("0, NVIDIA A100-SXM4-40GB, 40960, 8.0, 535.104.05"), "auto", 0, null).get(0);
        assertEquals("NVIDIA A100-SXM4-40GB", a100.name());
        assertEquals(40960, a100.memoryMiB());
        assertEquals("8.0", a100.computeCapability());
    }

    @Test
    void refusesHopperWithTheReasonAndTheRemedy() {
        BackendException e = refused(smi("0, NVIDIA H100 80GB HBM3, 81559, 9.0, 550.54.15"), "auto");
        assertTrue(e.getMessage().contains("NVIDIA H100 80GB HBM3") && e.getMessage().contains("compute capability 9.0"), e.getMessage());
        assertTrue(e.getMessage().contains("sm_37 to sm_86 and no PTX"), e.getMessage());
        assertTrue(e.remedy().contains("--backend cpu"), e.remedy());
    }

    @Test
    void refusesBlackwellConsumerCards() {
        BackendException e = refused(smi("0, NVIDIA GeForce RTX 5090, 32607, 12.0, 570.86.10"), "auto");
        assertTrue(e.getMessage().contains("RTX 5090") && e.getMessage().contains("12.0"), e.getMessage());
    }

    /** CUDA 11 minor version compatibility: R450 (450.80.02) and newer run CUDA 11.6 code, so the K80's last branch R470 does. */
    @Test
    void driverFloorIsTheMinorVersionCompatibilityFloor() {
        assertEquals(List.of(0), chosen(smi("0, Tesla K80, 11441, 3.7, 470.256.02"), "auto", 0, null), "R470, the K80's last branch");
        assertEquals(List.of(0), chosen(smi("0, Tesla T4, 15360, 7.5, 450.80.02"), "auto", 0, null), "the documented floor itself");
        BackendException old = refused(smi("0, Tesla T4, 15360, 7.5, 450.51.06"), "auto");
        assertTrue(old.getMessage().contains("driver 450.51.06 is older than 450.80.02"), old.getMessage());
        assertTrue(refused(smi("0, Tesla P100, 16280, 6.0, 418.226.00"), "auto").getMessage().contains("older than 450.80.02"));
    }

    @Test
    void refusesKeplerK40AndUnreportedCapabilities() {
        assertTrue(refused(smi("0, Tesla K40m, 11441, 3.5, 470.256.02"), "auto").getMessage().contains("older than 3.7"));
        assertTrue(refused(smi("0, Tesla T4, 15360, [N/A], 510.47.03"), "auto").getMessage().contains("did not report"));
    }

    @Test
    void refusesMachinesWithoutDriverOrGpu() {
        BackendException none = refused(new NvidiaSmi.Answer(false, -1, "No such file"), "auto");
        assertTrue(none.getMessage().contains("No NVIDIA driver was found") && none.remedy().contains("--gpus all"), none.getMessage());
        BackendException broken = refused(new NvidiaSmi.Answer(true, 9,
                "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."), "auto");
        assertTrue(broken.getMessage().contains("couldn't communicate") && broken.remedy().contains("--gpus all"), broken.getMessage());
        assertTrue(refused(smi(""), "auto").getMessage().contains("no GPU"));
        BackendException hung = refused(new NvidiaSmi.Answer(true, -1, "did not answer within 20 s (the NVIDIA driver may be hung)", true), "auto");
        assertTrue(hung.getMessage().startsWith("nvidia-smi did not answer within 20 s"), hung.getMessage());
    }

    @Test
    void oneGpuByDefaultSeveralOnlyWhenAskedFor() {
        NvidiaSmi.Answer two = smi("0, NVIDIA RTX A6000, 49140, 8.6, 550.54.14\n1, NVIDIA RTX A6000, 49140, 8.6, 550.54.14\n");
        assertEquals(List.of(0), chosen(two, "auto", 0, null), "the notebook's recipe: one GPU");
        assertEquals(List.of(0), chosen(two, "auto", 1, null));
        assertEquals(List.of(0, 1), chosen(two, "auto", 2, null), "--workers 2 spreads over two GPUs");
        assertEquals(List.of(0, 1), chosen(two, "auto", 8, null), "no more GPUs than there are");
        assertEquals(List.of(0, 1), chosen(two, "all", 0, null));
        assertEquals(List.of(1), chosen(two, "1", 0, null));
        assertEquals(List.of(1), chosen(two, "1", 4, null), "--device N with --workers: all workers on GPU N");
    }

    @Test
    void skipsUnsupportedGpusUnlessOneIsNamed() {
        NvidiaSmi.Answer mixed = smi("0, NVIDIA H100 PCIe, 81559, 9.0, 550.54.14\n1, NVIDIA RTX A6000, 49140, 8.6, 550.54.14\n");
        assertEquals(List.of(1), chosen(mixed, "auto", 0, null));
        assertEquals(List.of(1), chosen(mixed, "all", 0, null));
        BackendException h100 = refused(mixed, "0");
        assertTrue(h100.getMessage().contains("H100") && h100.remedy().contains("--device (1)"), h100.getMessage() + " / " + h100.remedy());
        BackendException missing = refused(mixed, "5");
        assertTrue(missing.getMessage().contains("GPU 5 (--device) is not on this machine") && missing.getMessage().contains("RTX A6000"),
                missing.getMessage());
    }

    @Test
    void honoursTheUsersCudaVisibleDevices() {
        NvidiaSmi.Answer three = smi("0, NVIDIA RTX A6000, 49140, 8.6, 550.54.14\n1, NVIDIA RTX A6000, 49140, 8.6, 550.54.14\n"
                + "2, NVIDIA RTX A6000, 49140, 8.6, 550.54.14\n");
        assertEquals(List.of(2), chosen(three, "auto", 0, "2,1"), "the first GPU the user left visible");
        assertEquals(List.of(2, 1), chosen(three, "all", 0, "2,1"));
        assertEquals(List.of(1), chosen(three, "1", 0, "2,1"));
        BackendException hidden = assertThrows(BackendException.class, () -> GpuGuard.choose(three, "0", 0, "2,1"));
        assertTrue(hidden.getMessage().contains("not among CUDA_VISIBLE_DEVICES=2,1"), hidden.getMessage());
        BackendException none = assertThrows(BackendException.class, () -> GpuGuard.choose(three, "auto", 0, ""));
        assertTrue(none.getMessage().contains("hides every GPU"), none.getMessage());
        assertEquals(List.of(0), chosen(three, "auto", 0, "GPU-8a3f5b2c-0000"), "UUIDs are left to CUDA");
    }

    @Test
    void comparesDriverVersionsNumerically() {
        assertTrue(GpuGuard.compareVersions("535.104.05", "510.39.01") > 0);
        assertTrue(GpuGuard.compareVersions("510.39.01", "510.39.01") == 0);
        assertTrue(GpuGuard.compareVersions("510.6", "510.39.01") < 0);
        assertTrue(GpuGuard.compareVersions("470.256.02", "450.80.02") > 0);
        assertTrue(GpuGuard.compareVersions("1000.1", "510.39.01") > 0);
    }
}
