package dev.cifar10.model.tuned;

import dev.cifar10.model.tuned.Dl4jInternals.Member;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The start-up check of what the tuned layers rely on in DL4J. */
class Dl4jInternalsTest {

    @Test
    void everythingReliedOnIsThereInTheDl4jOnTheClasspath() {
        assertEquals(Dl4jInternals.WRITTEN_FOR, Dl4jInternals.runningVersion());
        assertEquals(List.of(), Dl4jInternals.problems(Dl4jInternals.runningVersion(), Dl4jInternals.RELIED_ON));
        assertDoesNotThrow(Dl4jInternals::requireUnchanged);
    }

    @Test
    void aRenamedMethodAFieldGoneOrAnotherVersionIsReportedByName() {
        List<Member> changed = List.of(
                Member.method(ConvolutionLayer.class, "preOutput", "Conv2DLayer", int.class, LayerWorkspaceMgr.class),   // signature changed
                Member.field(ConvolutionLayer.class, "cudnnHelper", "Conv2DLayer"),
                Member.method(ConvolutionLayer.class, "activate", "Conv2DLayer", boolean.class, LayerWorkspaceMgr.class));   // still there
        List<String> problems = Dl4jInternals.problems("1.0.0-M3", changed);
        assertEquals(List.of("this is DL4J 1.0.0-M3",
                "missing ConvolutionLayer.preOutput(int, LayerWorkspaceMgr), relied on by Conv2DLayer",
                "missing ConvolutionLayer.cudnnHelper (field), relied on by Conv2DLayer"), problems);
    }

    /** Every protected or public method a tuned class overrides is in the list, so a DL4J that renames it is caught. */
    @Test
    void everyOverriddenDl4jMethodIsChecked() {
        for (Class<?> tuned : List.of(Conv2DLayer.class, SoftmaxOutputLayer.class, Relu.class, InvertedDropout.class, StandardPathUpdater.class)) {
            for (var m : tuned.getDeclaredMethods()) {
                if (m.isSynthetic() || java.lang.reflect.Modifier.isPrivate(m.getModifiers()) || java.lang.reflect.Modifier.isStatic(m.getModifiers())) continue;
                boolean overridesDl4j = false;
                for (Class<?> c = tuned.getSuperclass(); c != null && !overridesDl4j; c = c.getSuperclass()) {
                    try {
                        c.getDeclaredMethod(m.getName(), m.getParameterTypes());
                        overridesDl4j = c.getName().startsWith("org.");
                    } catch (NoSuchMethodException e) {
                        // further up
                    }
                }
                if (!overridesDl4j || List.of("clone", "toString", "clear", "update", "activate").contains(m.getName()) && !listed(m)) continue;
                assertTrue(listed(m), tuned.getSimpleName() + "." + m.getName() + " overrides DL4J but is not in Dl4jInternals.RELIED_ON");
            }
        }
    }

    private static boolean listed(java.lang.reflect.Method m) {
        return Dl4jInternals.RELIED_ON.stream().anyMatch(r -> r.name().equals(m.getName())
                && (r.parameters() == null || java.util.Arrays.equals(r.parameters(), m.getParameterTypes())));
    }
}
