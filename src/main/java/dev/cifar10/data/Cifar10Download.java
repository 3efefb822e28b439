package dev.cifar10.data;

import dev.cifar10.util.Progress;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.HttpURLConnection;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Fetches the official {@code cifar-10-binary.tar.gz} into a cache directory, verifies its size and
 * MD5, unpacks it, and reuses it next time. Nothing unverified ever sits under a final name: the
 * transfer goes to {@code *.part} (resumed with an HTTP range request when the server allows),
 * is checked, then renamed; the archive is unpacked into a temporary directory that is renamed
 * into place whole. An entry whose path leads outside the cache directory (a {@code ../} or an
 * absolute path), and any link, device or FIFO entry, stops the unpacking with an error naming it.
 */
public final class Cifar10Download {
    public static final String OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
    public static final long OFFICIAL_BYTES = 170_052_171L;
    public static final String OFFICIAL_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
    static final String ARCHIVE = "cifar-10-binary.tar.gz";

    private final URI url;
    private final long expectedBytes;
    private final String expectedMd5;
    private final Path cacheDir;
    private final int attempts;
    private final Duration firstBackoff;
    private final Duration stallTimeout;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);

    /**
     * @param attempts     how many transfers to try before giving up
     * @param firstBackoff the wait after the first failure; it doubles after each
     * @param stallTimeout how long a transfer may receive nothing before it counts as failed
     */
    public Cifar10Download(URI url, long expectedBytes, String expectedMd5, Path cacheDir, int attempts, Duration firstBackoff,
                           Duration stallTimeout) {
        this.url = url;
        this.expectedBytes = expectedBytes;
        this.expectedMd5 = expectedMd5;
        this.cacheDir = cacheDir;
        this.attempts = attempts;
        this.firstBackoff = firstBackoff;
        this.stallTimeout = stallTimeout;
    }

    public static Cifar10Download official(Path cacheDir) {
        return new Cifar10Download(URI.create(OFFICIAL_URL), OFFICIAL_BYTES, OFFICIAL_MD5, cacheDir, 4, Duration.ofSeconds(2), Duration.ofSeconds(60));
    }

    /**
     * The unpacked {@code cifar-10-batches-bin} directory, downloading and unpacking only what is missing.
     * Processes that share a cache take turns ({@code download.lock}): the second waits, then finds the data there.
     */
    public Path ensure() {
        Path unpacked = cacheDir.resolve(Cifar10Binary.ARCHIVE_DIR);
        if (Files.isRegularFile(unpacked.resolve(Cifar10Binary.TEST_FILE))) return unpacked;
        try {
            Files.createDirectories(cacheDir);
        } catch (IOException e) {
            throw new DataException("Cannot create cache directory " + cacheDir + ": " + e
                    + ". Pass a writable --cache-dir, or --data DIR with an unpacked copy.", e);
        }
        synchronized (Cifar10Download.class) { // the file lock below is per process; threads of one process queue here
            try (FileChannel channel = openLockFile(); FileLock lock = lockCache(channel)) {
                if (Files.isRegularFile(unpacked.resolve(Cifar10Binary.TEST_FILE))) return unpacked; // another process finished it
                Path archive = cacheDir.resolve(ARCHIVE);
                if (!Files.isRegularFile(archive)) download(archive);
                unpack(archive, unpacked);
                return unpacked;
            } catch (IOException e) {
                throw new DataException("Cannot release the lock on cache directory " + cacheDir + ": " + e, e);
            }
        }
    }

    /** Fails at once, naming --cache-dir, where the cache cannot be written: no download attempt could succeed. */
    private FileChannel openLockFile() {
        Path file = cacheDir.resolve("download.lock");
        try {
            return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new DataException("Cannot write into cache directory " + cacheDir + " (" + describe(e) + "). Pass a writable --cache-dir, "
                    + "or --data DIR with an unpacked copy.", e);
        }
    }

    private FileLock lockCache(FileChannel channel) throws IOException {
        FileLock lock = channel.tryLock();
        if (lock != null) return lock;
        System.err.println("Another process is downloading into " + cacheDir + "; waiting for it to finish.");
        return channel.lock();
    }

    void download(Path archive) {
        Path part = archive.resolveSibling(archive.getFileName() + ".part");
        Duration backoff = firstBackoff;
        IOException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                transfer(part);
                verify(part);
                Files.move(part, archive, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (ChecksumException e) {
                deleteQuietly(part);
                throw new DataException(e.getMessage());
            } catch (UnknownHostException e) {
                // no network or no DNS: retrying will not help, so say so at once
                throw new DataException("Cannot reach " + url.getHost() + " (the name does not resolve: no network or DNS here). "
                        + "Pass --data DIR with the unpacked cifar-10-batches-bin of cifar-10-binary.tar.gz, or --data synthetic "
                        + "to run without it.", e);
            } catch (IOException e) {
                last = e;
                if (attempt < attempts) {
                    System.err.printf("Download interrupted (%s); retrying in %.1fs (attempt %d of %d)%n",
                            describe(e), backoff.toMillis() / 1000.0, attempt + 1, attempts);
                    sleep(backoff);
                    backoff = backoff.multipliedBy(2);
                }
            }
        }
        throw new DataException("Could not download " + url + " after " + attempts + " attempts: " + describe(last)
                + ". Check the network, or download it yourself and pass --data DIR (the unpacked cifar-10-batches-bin), "
                + "or use --data synthetic to run without it."
                + (Files.exists(part) ? " The partial file " + part + " is kept and resumed next time." : ""), last);
    }

    /** An I/O error in words: some (a refused connection, a timeout) carry no useful message of their own. */
    private static String describe(IOException e) {
        String m = e.getMessage();
        String kind = e.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
        return m == null || m.isBlank() ? kind : (m.contains(" ") ? m : kind + ": " + m);
    }

    /** Appends to {@code part}, asking for the missing range; starts over if the server ignores ranges. */
    private void transfer(Path part) throws IOException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        if (expectedBytes > 0 && have >= expectedBytes) {
            Files.delete(part); // complete but unverified leftovers are not trusted: fetch again
            have = 0;
        }
        HttpURLConnection connection = (HttpURLConnection) url.toURL().openConnection();
        connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        connection.setReadTimeout((int) stallTimeout.toMillis()); // a stalled transfer fails instead of hanging
        connection.setInstanceFollowRedirects(true);
        if (have > 0) connection.setRequestProperty("Range", "bytes=" + have + "-");
        try {
            int status = connection.getResponseCode();
            if (status != HttpURLConnection.HTTP_OK && status != HttpURLConnection.HTTP_PARTIAL) {
                if (status >= 500 || status == 429) throw new IOException("HTTP " + status + " from " + url);
                throw new DataException("HTTP " + status + " from " + url + ". Check the address, or pass --data DIR or --data synthetic.");
            }
            boolean append = have > 0 && status == HttpURLConnection.HTTP_PARTIAL;
            if (!append) have = 0;
            long total = expectedBytes > 0 ? expectedBytes : connection.getContentLengthLong() + have;
            try (InputStream in = connection.getInputStream();
                 OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
                 Progress progress = Progress.bytes("Downloading " + ARCHIVE, total, have)) {
                byte[] buffer = new byte[1 << 16];
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                    progress.stepBy(read);
                }
            }
        } finally {
            connection.disconnect();
        }
        long size = Files.size(part);
        if (expectedBytes > 0 && size < expectedBytes) {
            throw new IOException(String.format("connection closed after %,d of %,d bytes", size, expectedBytes));
        }
    }

    private void verify(Path part) throws IOException {
        long size = Files.size(part);
        if (expectedBytes > 0 && size != expectedBytes) {
            throw new ChecksumException(String.format("Downloaded %s is %,d bytes, expected %,d. Deleted it; try again, "
                    + "or pass --data DIR with a copy you trust.", url, size, expectedBytes));
        }
        String md5 = md5(part);
        if (!md5.equalsIgnoreCase(expectedMd5)) {
            throw new ChecksumException("Downloaded " + url + " has MD5 " + md5 + ", expected " + expectedMd5
                    + ". The file was corrupted or replaced; it was deleted. Try again, or pass --data DIR with a copy you trust.");
        }
    }

    public static String md5(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("MD5");
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = in.read(buffer)) >= 0) digest.update(buffer, 0, read);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Unpacks {@code cifar-10-batches-bin/} from the archive into a temporary directory, then renames it into place;
     * refuses entries that lead outside it and entries that are not plain files or directories.
     */
    void unpack(Path archive, Path unpacked) {
        Path tmp = cacheDir.resolve(".unpack-" + ProcessHandle.current().pid());
        try {
            deleteRecursively(tmp);
            Files.createDirectories(tmp);
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new GzipCompressorInputStream(new BufferedInputStream(Files.newInputStream(archive))))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    Path target = tmp.resolve(entry.getName()).normalize();   // an absolute name resolves to itself
                    if (!target.startsWith(tmp)) throw new IOException("archive entry " + entry.getName() + " points outside the directory it unpacks into");
                    String special = special(entry);
                    if (special != null) {
                        // the official archive holds none: refused, not skipped, as a link then a file written through its name
                        // is the classic way out of the directory, and an archive carrying one is not the archive asked for
                        throw new IOException("archive entry " + entry.getName() + " is " + special
                                + "; the CIFAR-10 archive holds only files and directories");
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            Path inner = tmp.resolve(Cifar10Binary.ARCHIVE_DIR);
            if (!Files.isRegularFile(inner.resolve(Cifar10Binary.TEST_FILE))) {
                throw new IOException("it holds no " + Cifar10Binary.ARCHIVE_DIR + "/" + Cifar10Binary.TEST_FILE);
            }
            Files.move(inner, unpacked, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new DataException("Cannot unpack " + archive + ": " + e.getMessage()
                    + ". Delete it to download again, or pass --data DIR.", e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /**
     * What the entry is when it is neither a file nor a directory, else null. Checked before Commons Compress's
     * {@code isFile} and {@code isDirectory}: those go by the name's trailing '/' and call a link a file or a directory.
     */
    private static String special(TarArchiveEntry entry) {
        if (entry.isSymbolicLink()) return "a symbolic link to " + entry.getLinkName();
        if (entry.isLink()) return "a hard link to " + entry.getLinkName();
        if (entry.isCharacterDevice() || entry.isBlockDevice()) return "a device";
        if (entry.isFIFO()) return "a FIFO";
        return null;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            deleteRecursively(p);
        } catch (IOException ignored) {
            // best effort: a leftover temporary file is harmless
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    /** The bytes arrived but are not the archive asked for: retrying will not help. */
    private static final class ChecksumException extends IOException {
        ChecksumException(String message) {
            super(message);
        }
    }
}
