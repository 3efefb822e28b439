package dev.cifar10.backend.paths;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.GpuDevice;
import dev.cifar10.util.HostInfo;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The check of every convolution path on one machine (GPU, driver, CUDA and cuDNN, build): each path's result, and the
 * fastest verified one, which train and bench then use.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Verdict(Machine machine, String checkedAt, List<PathResult> results) {

    /**
     * What a verdict holds for: the device and everything between it and this program. A change of any of them (a new
     * driver, another build) asks for a new check.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Machine(String backend, String device, String computeCapability, String driver, String cudaRuntime, String cudnn,
                          String natives, String build, String deeplearning4j) {

        public static Machine of(BackendInfo b) {
            GpuDevice gpu = b.gpu();
            return new Machine(b.backend(), gpu != null ? gpu.name() : b.cpu().model(), gpu != null ? gpu.computeCapability() : null,
                    gpu != null ? gpu.driverVersion() : null, b.cudaVersions().get("cudaRuntime"), b.cudaVersions().get("cudnn"),
                    b.nativeVariant(), HostInfo.projectVersion() + " " + HostInfo.gitCommit() + " (" + b.build() + " build)", HostInfo.dl4jVersion());
        }

        /** "NVIDIA GeForce RTX 3090 (cc 8.6), driver 550.54.14, CUDA 11.6, cuDNN 8.3.2". */
        public String describe() {
            StringBuilder sb = new StringBuilder(device);
            if (computeCapability != null) sb.append(" (cc ").append(computeCapability).append(")");
            if (driver != null) sb.append(", driver ").append(driver);
            if (cudaRuntime != null) sb.append(", CUDA ").append(cudaRuntime);
            if (cudnn != null) sb.append(", cuDNN ").append(cudnn);
            return sb.toString();
        }
    }

    /** The fastest path that ran and agrees with the built-in layers; null when none did. */
    @JsonIgnore
    public PathResult chosen() {
        return results.stream().filter(PathResult::verified).min(Comparator.comparingDouble(PathResult::msPerStep)).orElse(null);
    }

    /** Why the chosen path: "fastest verified on NVIDIA ... (checked ...): cudnn 6.1 ms/step; libnd4j 9.0 ms/step; built-in 14.2 ms/step". */
    @JsonIgnore
    public String reason() {
        String each = results.stream().map(r -> r.verified() ? String.format(Locale.ROOT, "%s %.1f ms/step", r.path(), r.msPerStep())
                : r.path() + " " + (r.error() != null ? r.error() : "disagrees")).collect(Collectors.joining("; "));
        return "fastest verified on " + machine.describe() + " (checked " + checkedAt + "): " + each;
    }
}
