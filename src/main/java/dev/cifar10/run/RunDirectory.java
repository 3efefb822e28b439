package dev.cifar10.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cifar10.config.RunConfig;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The run's output folder. Every file is written atomically: to a temporary file beside it,
 * flushed to disk, then renamed over the old one, so a crash or a full disk leaves either the
 * previous complete file or the new complete file, never half of one.
 */
public final class RunDirectory {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;

    private RunDirectory(Path dir) {
        this.dir = dir;
    }

    /**
     * The default run directory, {@code runs/<yyyyMMdd-HHmmss>-<profile><suffix>} under the working directory.
     * @param suffix "" for train, "-spark" for the Spark job
     */
    public static Path defaultPath(RunConfig config, String suffix) {
        String profile = Path.of(config.profile()).getFileName().toString().replace(".properties", "");
        return Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + profile + suffix);
    }

    /** Creates a new run directory; refuses one that already holds a run. */
    public static RunDirectory create(Path dir) {
        if (Files.exists(dir.resolve("run.json"))) {
            throw new OutputException("Output directory " + dir + " already holds a run (run.json). Choose another --out, "
                    + "or leave --out out for a fresh timestamped directory under runs/.");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new OutputException("Cannot create output directory " + dir + ": " + e + ". Pass a writable --out.");
        }
        if (!Files.isWritable(dir)) {
            throw new OutputException("Output directory " + dir + " is not writable. Pass a writable --out.");
        }
        return new RunDirectory(dir);
    }

    /**
     * An existing run directory, to resume: it must hold run.json. Nothing in it is touched here: a refused
     * resume must leave a live run alone; {@link #removeTemporaryFiles} comes after {@link #lock}.
     */
    public static RunDirectory open(Path dir) {
        if (!Files.isRegularFile(dir.resolve("run.json"))) {
            throw new OutputException("Cannot resume " + dir + ": it holds no run.json, so it is not a run directory of this program.");
        }
        return new RunDirectory(dir);
    }

    /** Removes the temporary files a killed write left behind. Only with the lock held: a live run's are its own. */
    public void removeTemporaryFiles() {
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(RunDirectory::isTemporary).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new OutputException("Cannot read run directory " + dir + ": " + e);
        }
    }

    static boolean isTemporary(Path p) {
        String name = p.getFileName().toString();
        return name.startsWith(".") && name.endsWith(".tmp");
    }

    /**
     * Takes the run directory for this process: an OS file lock on {@code run.lock}, released when the
     * process ends however it ends, so a killed run never leaves a stale lock behind.
     */
    public AutoCloseable lock() {
        Path file = dir.resolve("run.lock");
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this very process
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
                channel.close();
                throw new OutputException("Run directory " + dir + " is in use by another training process"
                        + (holder.isEmpty() ? "" : " (" + holder + ")") + ". Wait for it to finish, stop it, or choose another --out.");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
            FileLock held = lock;
            return () -> {
                held.release();
                channel.close();
            };
        } catch (IOException e) {
            throw new OutputException("Cannot lock " + file + ": " + e + ". Pass a writable --out.");
        }
    }

    public Path path() {
        return dir;
    }

    public Path resolve(String name) {
        return dir.resolve(name);
    }

    public void writeJson(String name, Object value) {
        write(name, out -> JSON.writeValue(out, value));
    }

    public void writeText(String name, String text) {
        write(name, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    public void writeModel(String name, MultiLayerNetwork net) {
        write(name, out -> SavedModels.write(net, out));
    }

    public interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    public void write(String name, Writer writer) {
        Path target = dir.resolve(name);
        Path tmp = dir.resolve("." + name + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = new NonClosingStream(Channels.newOutputStream(channel))) {
                writer.writeTo(out);
                out.flush();
                channel.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory();
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the original error is the one to report
            }
            throw new OutputException("Cannot write " + target + ": " + e + ". Free disk space or pass another --out; "
                    + "files already in " + dir + " are complete and untouched.");
        }
    }

    /**
     * Forces the directory entry of the rename to disk: without it a power cut can bring back the old
     * name (or none) although the file's bytes were forced, and lose a checkpoint reported saved.
     */
    private void syncDirectory() throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** ModelSerializer closes the stream it is given; the channel must stay open until it is forced to disk. */
    private static final class NonClosingStream extends FilterOutputStream {
        NonClosingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
