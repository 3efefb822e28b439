package dev.cifar10.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/** What the report command writes and prints, whichever form it takes ({@link Report} by configuration, {@link PerRunReport} per record). */
public interface BenchReport {
    String markdown();

    /** The PNG chart. */
    void writeChart(OutputStream out) throws IOException;

    /** One line per row that is not like for like with the baseline; empty when every row is. */
    List<String> warnings();
}
