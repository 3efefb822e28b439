package dev.cifar10.model.tuned;

import dev.cifar10.model.NotebookCnn;
import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.nn.api.Model;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

public class SoftmaxOutputLayerTest {

    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    /** Dense(16, relu) then the output layer: this project's, or DL4J's own. */
    public static MultiLayerNetwork net(boolean project) {
        OutputLayer.Builder output = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().nIn(20).nOut(16).activation(Activation.RELU).build())
                .layer(project ? new SoftmaxOutput(output) : output.build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    public static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, 32, 20);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 32, 10);
        for (int i = 0; i < 32; i++) y.putScalar(i, (i * 7) % 10, 1f);
        return new DataSet(x, y);
    }

    @Test
    void theNotebookModelUsesIt() {
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(1));
        assertInstanceOf(SoftmaxOutputLayer.class, net.getOutputLayer());
        assertEquals(net.getLayerWiseConfigurations(),
                MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson()), "JSON round trip");
    }

    @Test
    void sameScoreGradientsAndTrainingAsDl4jsOutputLayer() {
        MultiLayerNetwork dl4j = net(false), project = net(true);
        project.setParams(dl4j.params().dup());
        for (int step = 0; step < 3; step++) {
            DataSet b = batch(step);
            dl4j.setInput(b.getFeatures()); dl4j.setLabels(b.getLabels());
            project.setInput(b.getFeatures()); project.setLabels(b.getLabels());
            dl4j.computeGradientAndScore();
            project.computeGradientAndScore();
            assertEquals(dl4j.score(), project.score(), 0.0, "score, step " + step);
            assertEquals(dl4j.gradient().gradient(), project.gradient().gradient(), "gradients, step " + step);
            dl4j.fit(b);
            project.fit(b);
            assertEquals(dl4j.params(), project.params(), "parameters after step " + step);
        }
    }

    @Test
    void acceptsOnlySoftmaxWithCrossEntropy() {
        // other pairs (tanh with MSE, say) overwrite the logits during backprop, so the kept copy would give a wrong score
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxOutput(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                .nOut(10).activation(Activation.TANH)));
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxOutput(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                .nOut(10).activation(Activation.SOFTMAX)));
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxOutput(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(10).activation(Activation.SIGMOID)));
        // a configuration changed after construction (as DL4J's JSON reader sets fields): refused when the network is built
        SoftmaxOutput edited = new SoftmaxOutput(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10));
        edited.setActivationFn(new ActivationTanH());
        edited.setLossFn(new LossMSE());
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(20).nOut(16).activation(Activation.RELU).build())
                .layer(edited)
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MultiLayerNetwork(conf).init());
        assertTrue(e.getMessage().contains("SOFTMAX"), e.getMessage());
        assertDoesNotThrow(() -> new SoftmaxOutput(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                .nOut(10).activation(Activation.SOFTMAX)));
    }

    @Test
    void missingSizesAreReportedAsDl4jReportsThem() {
        // no nIn and no input type to infer it from: DL4J's own check and message, not a failure deep in parameter init
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new SoftmaxOutput(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX)))
                .build();
        Exception e = assertThrows(Exception.class, () -> new MultiLayerNetwork(conf).init());
        assertTrue(e.getMessage().contains("nIn=0, nOut=10; nIn and nOut must be > 0"), e.getMessage());
    }

    @Test
    void logitsLeftByCalculateGradientsAreNotReusedAfterTheWeightsChange() {
        // calculateGradients runs backprop without ending a step: z stays kept, and must not stand in for the next step's
        MultiLayerNetwork dl4j = net(false), project = net(true);
        project.setParams(dl4j.params().dup());
        DataSet b = batch(4);
        assertEquals(dl4j.calculateGradients(b.getFeatures(), b.getLabels(), null, null).getFirst().gradient(),
                project.calculateGradients(b.getFeatures(), b.getLabels(), null, null).getFirst().gradient(), "gradients");
        INDArray changed = dl4j.params().mul(1.5);
        dl4j.setParams(changed.dup());
        project.setParams(changed.dup());
        for (MultiLayerNetwork net : new MultiLayerNetwork[]{dl4j, project}) {
            net.setInput(b.getFeatures()); net.setLabels(b.getLabels());
            net.computeGradientAndScore();
        }
        assertEquals(dl4j.score(), project.score(), 0.0, "score with the new weights");
        assertEquals(dl4j.gradient().gradient(), project.gradient().gradient(), "gradients with the new weights");
        dl4j.fit(b);
        project.fit(b);
        assertEquals(dl4j.params(), project.params(), "parameters after a step");
    }

    @ParameterizedTest
    @EnumSource(WorkspaceMode.class)
    void aScoreAfterCalculateGradientsOnTheSameInputUsesTheNewWeights(WorkspaceMode mode) {
        // the output layer alone gets the caller's own array as input, so z kept by calculateGradients is "for" it
        MultiLayerNetwork dl4j = outputLayerAlone(false, mode), project = outputLayerAlone(true, mode);
        project.setParams(dl4j.params().dup());
        DataSet b = batch(6);
        dl4j.calculateGradients(b.getFeatures(), b.getLabels(), null, null);
        project.calculateGradients(b.getFeatures(), b.getLabels(), null, null);
        INDArray changed = dl4j.params().mul(1.5);
        dl4j.setParams(changed.dup());
        project.setParams(changed.dup());
        assertEquals(dl4j.score(new DataSet(b.getFeatures(), b.getLabels()), true),
                project.score(new DataSet(b.getFeatures(), b.getLabels()), true), 0.0, mode + ": score with the new weights");
    }

    private static MultiLayerNetwork outputLayerAlone(boolean project, WorkspaceMode mode) {
        OutputLayer.Builder output = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(20).nOut(10).activation(Activation.SOFTMAX);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT)
                .trainingWorkspaceMode(mode).inferenceWorkspaceMode(mode).updater(new Adam(1e-3)).list()
                .layer(project ? new SoftmaxOutput(output) : output.build())
                .build());
        net.init();
        return net;
    }

    @Test
    void computesItsLogitsOncePerTrainingStep() {
        // DL4J's layer multiplies h W in backprop and again for the score; this one only in backprop
        assertEquals(matmulsPerGradientStep(net(false)) - 1, matmulsPerGradientStep(net(true)));
    }

    private static long matmulsPerGradientStep(MultiLayerNetwork net) {
        DataSet b = batch(1);
        net.setInput(b.getFeatures());
        net.setLabels(b.getLabels());
        net.computeGradientAndScore();   // warm: workspaces, helpers
        OpExecutioner ex = Nd4j.getExecutioner();
        ex.setProfilingConfig(ProfilerConfig.builder().build());
        ex.setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
        OpProfiler.getInstance().reset();
        try {
            net.computeGradientAndScore();
            assertTrue(OpProfiler.getInstance().getInvocationsCount() > 0, "the profiler saw the step's ops");
            return OpProfiler.getInstance().getOpCounter().getCount("matmul");
        } finally {
            ex.setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
            OpProfiler.getInstance().reset();
        }
    }

    @Test
    void trainingLogitsAreThoseOfTheStepsWeightsForItsListenersOnly() {
        MultiLayerNetwork net = net(true);
        DataSet b = batch(3);
        INDArray expected = net.getLayer(0).activate(b.getFeatures(), false, LayerWorkspaceMgr.noWorkspaces())
                .mmul(net.getOutputLayer().getParam("W")).addiRowVector(net.getOutputLayer().getParam("b"));
        AtomicReference<INDArray> seen = new AtomicReference<>();
        AtomicReference<INDArray> afterUpdate = new AtomicReference<>(Nd4j.empty());
        net.addListeners(new BaseTrainingListener() {
            @Override
            public void onBackwardPass(Model model) {
                seen.set(((SoftmaxOutputLayer) net.getOutputLayer()).trainingLogits().dup());
            }

            @Override
            public void iterationDone(Model model, int iteration, int epoch) {   // after the update, fit not yet returned
                afterUpdate.set(((SoftmaxOutputLayer) net.getOutputLayer()).trainingLogits());
            }
        });
        net.fit(b);
        assertNotNull(seen.get());
        assertTrue(expected.equalsWithEps(seen.get(), 1e-5), "the logits before the update");
        assertNull(afterUpdate.get(), "none once the step's gradient computation is over");
    }
}
