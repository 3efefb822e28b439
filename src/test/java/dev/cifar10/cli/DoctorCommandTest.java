package dev.cifar10.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifar10.Cli;
import dev.cifar10.backend.paths.PathCheck;
import dev.cifar10.backend.paths.PathVerdicts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

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

    /**
     * On the CPU: both paths checked in processes of their own and timed, the verdict stored in the cache directory, and a
     * run with --conv-path auto then uses the fastest verified path, saying why.
     */
    @Test
    void checksEveryPathInItsOwnProcessStoresTheVerdictAndTrainUsesIt(@TempDir Path cache) throws Exception {
        Outcome o = doctor("--cache-dir", cache.toString(), "--steps", "4");
        assertEquals(0, o.exitCode(), o.out() + o.err());
        assertTrue(o.out().contains("Build: cpu"), o.out());
        assertTrue(o.out().contains("CUDA libraries: not looked for"), o.out());
        assertTrue(o.out().matches("(?s).*libnd4jcpu\\.so: /.*"), "names the natives that loaded: " + o.out());
        assertTrue(o.out().matches("(?s).*checking onednn .*?\\.\\.\\. [0-9.]+ ms/step, agrees.*"), o.out());
        assertTrue(o.out().matches("(?s).*checking built-in .*?\\.\\.\\. [0-9.]+ ms/step, agrees.*"), o.out());

        JsonNode verdict = new ObjectMapper().readTree(cache.resolve(PathVerdicts.FILE).toFile()).get("verdicts").get(0);
        Map<String, Double> ms = new java.util.HashMap<>();
        for (JsonNode r : verdict.get("results")) {
            assertTrue(r.get("agrees").asBoolean() && r.get("error").isNull(), r.toString());
            ms.put(r.get("path").asText(), r.get("msPerStep").asDouble());
        }
        assertEquals(java.util.Set.of("onednn", "built-in"), ms.keySet());
        String fastest = ms.get("onednn") <= ms.get("built-in") ? "onednn" : "built-in";
        assertTrue(o.out().contains("train and bench use " + fastest + " on this machine"), o.out());
        assertTrue(o.out().contains("Verdict: OK, training runs on cpu with " + fastest + "."), o.out());

        Path run = cache.resolve("run");
        Cli.Outcome trained = Cli.run("train", "--profile", "smoke", "--data", "synthetic", "--epochs", "1", "--max-train-images", "100",
                "--cache-dir", cache.toString(), "--out", run.toString());
        assertEquals(0, trained.exitCode(), trained.err());
        assertTrue(trained.out().contains("Convolutions: " + fastest + " ") && trained.out().contains("fastest verified on"), trained.out());
        JsonNode convPath = new ObjectMapper().readTree(run.resolve("run.json").toFile()).path("backend").path("details").path("convPath");
        assertEquals(fastest, convPath.path("path").asText(), convPath.toString());
    }

    /** A path whose process crashes is reported with its exit status, and the others are checked and chosen from all the same. */
    @Test
    void aPathThatCrashesItsProcessTakesOnlyItselfDown(@TempDir Path cache) {
        String previous = System.setProperty(PathCheck.MAIN_PROPERTY, CrashingPathCheck.class.getName());
        try {
            Outcome o = doctor("--cache-dir", cache.toString(), "--steps", "4");
            assertEquals(0, o.exitCode(), o.out() + o.err());
            assertTrue(o.out().contains("checking onednn") && o.out().matches("(?s).*checking built-in .*?\\.\\.\\. crashed \\(exit 134, signal 6\\).*"), o.out());
            assertTrue(o.out().contains("train and bench use onednn"), o.out());
        } finally {
            if (previous == null) System.clearProperty(PathCheck.MAIN_PROPERTY);
            else System.setProperty(PathCheck.MAIN_PROPERTY, previous);
        }
    }

    @Test
    void cudaOnTheCpuBuildIsExitFive() {
        Outcome o = doctor("--backend", "cuda");
        assertEquals(5, o.exitCode(), o.out() + o.err());
        assertTrue(o.out().contains("this is the cpu build") && o.out().contains("mvn -Pcuda"), o.out());
        assertEquals(2, doctor("--backend", "gpu").exitCode());
    }
}
