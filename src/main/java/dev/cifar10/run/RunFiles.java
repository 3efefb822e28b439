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
     * After epoch {@code history.last()}: history.csv/.json, curves.png, the checkpoint (model, updater and
     * random state), then model.zip as a copy of the checkpoint's zip.
     *
     * @param title the curves' title, e.g. "CIFAR-10 dropout CNN (notebook)"
     */
    public static void saveEpoch(RunDirectory run, MultiLayerNetwork net, History history, String title) {
        run.writeText("history.csv", history.toCsv());
        run.writeJson("history.json", history.epochs());
        run.write("curves.png", out -> CurvesPlot.writePng(history, title, out));
        Path checkpointZip = Checkpoint.save(run, net, history);
        // model.zip is the same bytes: copy the file rather than serialise the network a second time
        run.write("model.zip", out -> Files.copy(checkpointZip, out));
    }

    /** After the test set: test.json, the result printed, and run.json marked completed with it. */
    public static void finish(RunDirectory run, RunRecord record, EvaluationResult test, PrintWriter console) {
        run.writeJson("test.json", TestReport.of(test));
        TestReport.print(test, console);
        record.completed(test).write(run);
        console.println("Saved: run.json history.csv history.json curves.png model.zip test.json in " + run.path());
    }
}
