package dev.cifar10.train;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ctrl-C (SIGINT) and SIGTERM while a run trains: instead of the JVM's immediate exit, the request is
 * noted and the training loop stops at the next step or evaluation batch ({@link #check}), so the
 * run ends between two writes, with run.json saying it was interrupted. A second signal, or a run that
 * has not stopped after {@link #GRACE_SECONDS}, exits at once (the next resume cleans up).
 */
public final class StopSignals implements AutoCloseable {
    static final int GRACE_SECONDS = 20;
    private static volatile Signal received;
    private static volatile Thread watchdog;
    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();

    private StopSignals() {
    }

    public static StopSignals install() {
        StopSignals signals = new StopSignals();
        received = null;
        for (String name : new String[]{"INT", "TERM"}) {
            Signal signal = new Signal(name);
            signals.previous.put(signal, Signal.handle(signal, StopSignals::onSignal));
        }
        return signals;
    }

    private static void onSignal(Signal signal) {
        if (received != null) {
            Runtime.getRuntime().halt(128 + signal.getNumber());
        }
        received = signal;
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(GRACE_SECONDS * 1000L);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("Error: training did not stop within " + GRACE_SECONDS + " s of SIG" + signal.getName() + "; exiting now.");
            Runtime.getRuntime().halt(128 + signal.getNumber());
        }, "stop-watchdog");
        timer.setDaemon(true);
        watchdog = timer;
        timer.start();
    }

    /** Throws {@link RunInterruptedException} once a stop was asked for. Cheap: one volatile read. */
    public static void check() {
        Signal signal = received;
        if (signal != null) throw new RunInterruptedException(signal.getName(), signal.getNumber());
    }

    @Override
    public void close() {
        previous.forEach(Signal::handle);
        Thread timer = watchdog;
        if (timer != null) timer.interrupt(); // stopped in time: the caller exits normally
        watchdog = null;
        received = null;
    }
}
