package org.example.dl4juser;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;

/**
 * What any DL4J program does with a model.zip this project wrote: open it with DL4J's own reader and evaluate it on NCHW
 * images. Run in a JVM whose classpath holds DL4J and ND4J but none of this project's classes, and compiled against
 * DL4J alone (it lives outside the project's packages for that reason).
 *
 * <p>Arguments: the model zip, a DataSet file of standardised NCHW test images with one-hot labels. Prints
 * {@code accuracy=...}, {@code loss=...} and whether the project's classes are on the classpath.
 */
public final class EvaluateSavedModel {
    public static void main(String[] args) throws Exception {
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new File(args[0]), false);
        DataSet test = new DataSet();
        test.load(new File(args[1]));
        Evaluation evaluation = new Evaluation();
        for (DataSet batch : test.batchBy(256)) evaluation.eval(batch.getLabels(), net.output(batch.getFeatures(), false));
        System.out.println("accuracy=" + evaluation.accuracy());
        System.out.println("loss=" + net.score(test));
        boolean projectClasses;
        try {
            Class.forName("dev.cifar10.cli.Main");
            projectClasses = true;
        } catch (ClassNotFoundException e) {
            projectClasses = false;
        }
        System.out.println("project classes on the classpath: " + projectClasses);
    }
}
