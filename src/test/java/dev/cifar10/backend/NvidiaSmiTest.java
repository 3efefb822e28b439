package dev.cifar10.backend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** nvidia-smi as a real child process: a hung driver must not hang the program. */
class NvidiaSmiTest {
    @TempDir
    Path tmp;

    Path script(String body) throws Exception {
        Path script = tmp.resolve("nvidia-smi");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    @Test
    void aHungNvidiaSmiTimesOut() throws Exception {
        // prints half an answer, then hangs; its child keeps stdout open, as a stuck driver call would
        Path hung = script("echo '0, NVIDIA A100-SXM4-80GB'\nsleep 600 &\nsleep 600");
        long start = System.nanoTime();
        NvidiaSmi.Answer answer = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> NvidiaSmi.query(hung.toString(), Duration.ofSeconds(2)));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(answer.timedOut() && answer.exitCode() == -1, answer.toString());
        assertTrue(answer.output().contains("did not answer within 2 s"), answer.output());
        assertTrue(seconds < 10, "took " + seconds + " s");
        BackendException e = assertThrows(BackendException.class, () -> GpuGuard.choose(answer, "0", 0, null));
        assertTrue(e.getMessage().startsWith("nvidia-smi did not answer within 2 s"), e.getMessage());
    }

    @Test
    void readsAnAnswerAndAFailure() throws Exception {
        Path ok = script("echo '0, NVIDIA A100-SXM4-80GB, 81920, 8.0, 535.104.05'");
        NvidiaSmi.Answer answer = NvidiaSmi.query(ok.toString(), Duration.ofSeconds(20));
        assertEquals(0, answer.exitCode());
        assertEquals(List.of("NVIDIA A100-SXM4-80GB"), NvidiaSmi.parse(answer.output()).stream().map(GpuDevice::name).toList());
        Path failing = script("echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"\nexit 9");
        NvidiaSmi.Answer failed = NvidiaSmi.query(failing.toString(), Duration.ofSeconds(20));
        assertEquals(9, failed.exitCode());
        assertFalse(failed.timedOut());
        NvidiaSmi.Answer missing = NvidiaSmi.query(tmp.resolve("absent").toString(), Duration.ofSeconds(20));
        assertFalse(missing.found());
    }
}
