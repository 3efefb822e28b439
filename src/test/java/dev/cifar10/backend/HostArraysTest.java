package dev.cifar10.backend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The switch behind every device-branch test: forcing it must send the CPU backend down the device branches. */
class HostArraysTest {
    @Test
    void forcingTheDeviceBranchesTakesTheCpuOffTheHostBranchesUntilRestored() {
        assertTrue(HostArrays.onHost(), "the CPU backend's arrays are in host memory");
        boolean previous = HostArrays.forceDeviceBranches(true);
        try {
            assertFalse(previous);
            assertFalse(HostArrays.onHost(), "forced, the host branches must not run");
        } finally {
            HostArrays.forceDeviceBranches(previous);
        }
        assertTrue(HostArrays.onHost(), "restored");
    }
}
