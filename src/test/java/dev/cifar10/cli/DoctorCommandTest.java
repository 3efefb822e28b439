package dev.cifar10.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

/** doctor on the cpu build (the cuda build's doctor runs as a real process in CudaBuildTest). */
class DoctorCommandTest {
    record Outcome(int exitCode, String out, String err) {
    }

    static Outcome doctor(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "doctor";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    void reportsTheCpuBuildAndComparesTheHelpers() {
        Outcome o = doctor();
        assertEquals(0, o.exitCode(), o.out() + o.err());
        assertTrue(o.out().contains("Build: cpu"), o.out());
        assertTrue(o.out().contains("CUDA libraries: not looked for"), o.out());
        assertTrue(o.out().matches("(?s).*libnd4jcpu\\.so: /.*"), "names the natives that loaded: " + o.out());
        assertTrue(o.out().contains("Layer helpers attached: convolution: 6 MKLDNNConvHelper | subsampling: 3 MKLDNNSubsamplingHelper"
                + " (without: convolution: 6 built-in | subsampling: 3 built-in)"), o.out());
        assertTrue(o.out().matches("(?s).*Agreement.*outputs [0-9.e-]+, gradients [0-9.e-]+.*"), o.out());
        assertTrue(o.out().contains("Verdict: OK, training runs on cpu."), o.out());
    }

    @Test
    void cudaOnTheCpuBuildIsExitFive() {
        Outcome o = doctor("--backend", "cuda");
        assertEquals(5, o.exitCode(), o.out() + o.err());
        assertTrue(o.out().contains("this is the cpu build") && o.out().contains("mvn -Pcuda"), o.out());
        assertEquals(2, doctor("--backend", "gpu").exitCode());
    }
}
