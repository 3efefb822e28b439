package dev.cifar10.run;

import dev.cifar10.data.Cifar10;
import org.nd4j.evaluation.classification.Evaluation;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The test-set result as test.json and as the lines printed after training and by {@code evaluate}. */
public final class TestReport {
    private TestReport() {
    }

    public static Map<String, Object> of(EvaluationResult test) {
        Evaluation e = test.evaluation();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("loss", test.loss());
        report.put("accuracy", test.accuracy());
        report.put("images", e.getNumRowCounter());
        Map<String, Double> perClass = new LinkedHashMap<>();
        List<List<Integer>> confusion = new ArrayList<>();
        for (int actual = 0; actual < Cifar10.CLASSES; actual++) {
            int total = 0;
            List<Integer> row = new ArrayList<>();
            for (int predicted = 0; predicted < Cifar10.CLASSES; predicted++) {
                int count = e.getConfusionMatrix().getCount(actual, predicted);
                row.add(count);
                total += count;
            }
            confusion.add(row);
            perClass.put(Cifar10.CLASS_NAMES.get(actual), total == 0 ? Double.NaN : row.get(actual) / (double) total);
        }
        report.put("perClassAccuracy", perClass);
        report.put("classes", Cifar10.CLASS_NAMES);
        report.put("confusionMatrix", confusion);
        report.put("confusionMatrixLayout", "rows: actual class, columns: predicted class");
        return report;
    }

    public static void print(EvaluationResult test, PrintWriter console) {
        console.printf(Locale.ROOT, "Test: loss: %.4f - acc: %.4f (%,d images)%n", test.loss(), test.accuracy(),
                test.evaluation().getNumRowCounter());
        StringBuilder perClass = new StringBuilder("Per class:");
        var confusion = test.evaluation().getConfusionMatrix();
        for (int c = 0; c < Cifar10.CLASSES; c++) {
            int total = confusion.getActualTotal(c);
            perClass.append(String.format(Locale.ROOT, " %s %.2f", Cifar10.CLASS_NAMES.get(c),
                    total == 0 ? Double.NaN : confusion.getCount(c, c) / (double) total));
        }
        console.println(perClass);
        console.println("Confusion matrix (rows actual, columns predicted):");
        console.print(test.evaluation().confusionToString());
    }
}
