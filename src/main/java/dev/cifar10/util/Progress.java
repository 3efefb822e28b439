package dev.cifar10.util;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;

/**
 * A live progress bar (me.tongfei:progressbar) when a person watches a terminal; when output is
 * piped or logged, no bar at all (a log full of carriage returns helps nobody), only the
 * occasional plain line for long byte transfers.
 */
public abstract class Progress implements AutoCloseable {

    public static boolean interactive() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    /** A step bar, e.g. batches in an epoch. Silent when not interactive. */
    public static Progress steps(String task, long total) {
        return interactive() ? new Bar(task, total, 0, "", 1) : new Silent();
    }

    /** A byte-transfer bar in MB; when not interactive, a plain line at every 10%. */
    public static Progress bytes(String task, long total, long initial) {
        return interactive() ? new Bar(task, total, initial, " MB", 1 << 20) : new PlainLines(task, total, initial, System.err);
    }

    public abstract void stepBy(long n);

    public void extraMessage(String message) {
    }

    @Override
    public abstract void close();

    private static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(String task, long total, long initial, String unit, long unitSize) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).startsFrom(initial, Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII).setUnit(unit, unitSize).setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).continuousUpdate().clearDisplayOnFinish().build();
        }

        @Override
        public void stepBy(long n) {
            bar.stepBy(n);
        }

        @Override
        public void extraMessage(String message) {
            bar.setExtraMessage(message);
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    private static final class PlainLines extends Progress {
        private final String task;
        private final long total;
        private final PrintStream out;
        private long done;
        private int lastDecile;

        PlainLines(String task, long total, long initial, PrintStream out) {
            this.task = task;
            this.total = total;
            this.out = out;
            this.done = initial;
            this.lastDecile = total > 0 ? (int) (10 * initial / total) : 0;
        }

        @Override
        public void stepBy(long n) {
            done += n;
            if (total > 0 && (int) (10 * done / total) > lastDecile) {
                lastDecile = (int) (10 * done / total);
                out.printf("%s: %d%% (%,d of %,d bytes)%n", task, 10 * lastDecile, done, total);
            }
        }

        @Override
        public void close() {
        }
    }

    private static final class Silent extends Progress {
        @Override
        public void stepBy(long n) {
        }

        @Override
        public void close() {
        }
    }
}
