package dev.cifar10.faults;

import dev.cifar10.SampleData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A real training process killed with SIGKILL mid-epoch, resumed, ends where an uninterrupted run ends. */
class ResumeTest {
    static final String[] SETTINGS = {"--profile", "smoke", "--data", SampleData.DIR.toString(), "--max-train-images", "1200",
            "--epochs", "3"};

    @TempDir
    Path tmp;

    static String[] with(String[] base, String... more) {
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    static void finish(Process p, Path log) throws Exception {
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "process did not finish");
        assertEquals(0, p.exitValue(), Files.readString(log));
    }

    /** Columns epoch, loss, acc, val_loss, val_acc of history.csv. */
    static double[][] history(Path run) throws Exception {
        List<String> lines = Files.readAllLines(run.resolve("history.csv"));
        double[][] rows = new double[lines.size() - 1][];
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            rows[i - 1] = new double[]{Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                    Double.parseDouble(f[3]), Double.parseDouble(f[4])};
        }
        return rows;
    }

    @Test
    void killedMidEpochAndResumedEndsLikeAnUninterruptedRun() throws Exception {
        Path whole = tmp.resolve("whole"), killed = tmp.resolve("killed");
        finish(JavaProcess.train(tmp.resolve("whole.log"), with(SETTINGS, "--out", whole.toString())), tmp.resolve("whole.log"));

        Path log = tmp.resolve("killed.log");
        Process p = JavaProcess.train(log, with(SETTINGS, "--out", killed.toString()));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(killed.resolve("checkpoint.json")) && System.nanoTime() < deadline && p.isAlive()) Thread.sleep(50);
        assertTrue(p.isAlive(), "the run ended before it could be killed: " + Files.readString(log));
        Thread.sleep(800); // into epoch 2
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.readString(log).contains("Epoch 3/3"), "the kill came too late to test anything");
        assertTrue(history(killed).length < 3);

        Path resumedLog = tmp.resolve("resumed.log");
        finish(JavaProcess.train(resumedLog, "--resume", killed.toString()), resumedLog);
        assertTrue(Files.readString(resumedLog).contains("Resuming"), Files.readString(resumedLog));

        double[][] expected = history(whole), actual = history(killed);
        assertEquals(3, actual.length);
        for (int e = 0; e < 3; e++) {
            for (int c = 1; c < 5; c++) {
                assertEquals(expected[e][c], actual[e][c], 2e-3, "epoch " + (e + 1) + " column " + c);
            }
        }
        assertTrue(Files.exists(killed.resolve("test.json")));
        assertTrue(Files.readString(killed.resolve("run.json")).contains("\"completed\""));
    }
}
