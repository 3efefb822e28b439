package dev.cifar10.run;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a run directory receives after each epoch and at the end, the same for {@code train} and the
 * Spark job: one place, so both write the same files in the same order.
 */
public final class RunFiles {
    private RunFiles() {
    }

    /**
     * After epoch {@code history.last()}: the checkpoint (model, updater and random state) first, then
     * history.csv/.json, curves.png and model.zip as a copy of the checkpoint's zip. In this order a
     * failure between writes (a kill, a full disk) leaves the files at or behind the checkpoint a
     * resume continues from, never ahead of it.
     *
     * @param title the curves' title, e.g. "CIFAR-10 dropout CNN (notebook)"
     */
    public static void saveEpoch(RunDirectory run, MultiLayerNetwork net, History history, String title) {
        Path checkpointZip = Checkpoint.save(run, net, history);
        saveHistory(run, history, title);
        // model.zip is the same bytes: copy the file rather than serialise the network a second time
        run.write("model.zip", out -> Files.copy(checkpointZip, out));
    }

    /** history.csv, history.json and curves.png of {@code history}. */
    public static void saveHistory(RunDirectory run, History history, String title) {
        run.writeText("history.csv", history.toCsv());
        run.writeJson("history.json", history.epochs());
        run.write("curves.png", out -> CurvesPlot.writePng(history, title, out));
    }

    /** Brings history files and model.zip level with {@code checkpoint}: after a kill between writes they may lag it. */
    public static void levelWith(RunDirectory run, Checkpoint checkpoint, History history, String title) {
        saveHistory(run, history, title);
        if (!checkpoint.matchesModelZip(run)) {
            Path checkpointZip = run.resolve(checkpoint.modelFile());
            run.write("model.zip", out -> Files.copy(checkpointZip, out));
        }
    }

    /** After the test set: test.json, the result printed, and run.json marked completed with it. */
    public static void finish(RunDirectory run, RunRecord record, EvaluationResult test, PrintWriter console) {
        run.writeJson("test.json", TestReport.of(test));
        TestReport.print(test, console);
        record.completed(test).write(run);
        console.println("Saved: run.json history.csv history.json curves.png model.zip test.json in " + run.path());
    }
}
