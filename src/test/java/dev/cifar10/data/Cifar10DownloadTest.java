package dev.cifar10.data;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cifar10.Cli;
import dev.cifar10.Cli.Outcome;
import dev.cifar10.SampleData;
import dev.cifar10.cli.Main;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The download path against a local HTTP server that misbehaves on purpose. */
class Cifar10DownloadTest {
    @TempDir
    Path cache;

    private HttpServer server;
    private volatile byte[] archive;
    private volatile String md5;
    private final List<String> rangesAsked = new ArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    /** How the server behaves: "good", "cut-once" (drops the first transfer half-way), "no-ranges", "always-cut", "404". */
    private volatile String mode = "good";

    @BeforeEach
    void serve() throws Exception {
        archive = tarGz();
        md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(archive));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/cifar-10-binary.tar.gz", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        int n = requests.incrementAndGet();
        String range = ex.getRequestHeaders().getFirst("Range");
        rangesAsked.add(range);
        if (mode.equals("404")) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        long from = 0;
        if (range != null && !mode.equals("no-ranges")) from = Long.parseLong(range.replaceAll("bytes=(\\d+)-", "$1"));
        byte[] body = Arrays.copyOfRange(archive, (int) from, archive.length);
        if (from > 0) ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (archive.length - 1) + "/" + archive.length);
        ex.sendResponseHeaders(from > 0 ? 206 : 200, body.length);
        boolean cut = mode.equals("always-cut") || (n == 1 && (mode.equals("cut-once") || mode.equals("no-ranges")));
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body, 0, cut ? body.length / 2 : body.length);
            out.flush();
            if (cut) {
                ex.getHttpContext().getServer(); // the connection is dropped mid-body
                throw new IOException("cut");
            }
        } catch (IOException e) {
            ex.close();
        }
    }

    private Cifar10Download download(String expectedMd5) {
        return download(expectedMd5, cache);
    }

    private Cifar10Download download(String expectedMd5, Path cacheDir) {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/cifar-10-binary.tar.gz");
        return new Cifar10Download(url, archive.length, expectedMd5, cacheDir, 3, Duration.ofMillis(10), Duration.ofMillis(700));
    }

    /** A real-format archive: cifar-10-batches-bin/ with 60 training and 25 test records of the sample. */
    private static byte[] tarGz() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            add(tar, "cifar-10-batches-bin/data_batch_1.bin", Arrays.copyOf(Files.readAllBytes(SampleData.file("data_batch_1.bin")), 60 * 3073));
            add(tar, "cifar-10-batches-bin/test_batch.bin", Arrays.copyOf(Files.readAllBytes(SampleData.file("test_batch.bin")), 25 * 3073));
            add(tar, "cifar-10-batches-bin/batches.meta.txt", Files.readAllBytes(SampleData.file("batches.meta.txt")));
        }
        return bytes.toByteArray();
    }

    private static void add(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        add(tar, new TarArchiveEntry(name, true), content);   // true: an absolute name stays absolute, as a hostile tar writes it
    }

    private static void add(TarArchiveOutputStream tar, TarArchiveEntry e, byte[] content) throws IOException {
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static void addLink(TarArchiveOutputStream tar, String name, byte linkFlag, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, linkFlag);
        e.setLinkName(target);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    /**
     * A hostile archive, laid out as {@code root/cache} (the cache) beside {@code root/outside} (holding {@code victim.bin}):
     * the real files, with {@code entry} and what {@code attack} writes after it, then the test records.
     */
    private record Hostile(String name, String entry, String says, HostileEntries attack) {
        byte[] archive() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);   // absolute temporary paths exceed 100 characters
                add(tar, "cifar-10-batches-bin/data_batch_1.bin", Arrays.copyOf(Files.readAllBytes(SampleData.file("data_batch_1.bin")), 60 * 3073));
                add(tar, "cifar-10-batches-bin/batches.meta.txt", Files.readAllBytes(SampleData.file("batches.meta.txt")));
                attack.write(tar);
                add(tar, "cifar-10-batches-bin/test_batch.bin", testRecords());
            }
            return bytes.toByteArray();
        }
    }

    private interface HostileEntries {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private static byte[] testRecords() throws IOException {
        return Arrays.copyOf(Files.readAllBytes(SampleData.file("test_batch.bin")), 25 * 3073);
    }

    private static final byte[] PAYLOAD = "written by a hostile archive".getBytes();
    private static final String VICTIM_CONTENT = "a file outside the cache";

    /** The archives each reach for {@code outside}, the cache's sibling: {@code cache/.unpack-PID/cifar-10-batches-bin/../../../outside}. */
    static List<Hostile> hostileArchives(Path outside) {
        String escape = "cifar-10-batches-bin/../../../outside/escape.bin";
        String absolute = outside.resolve("escape.bin").toAbsolutePath().toString();
        String victim = outside.resolve("victim.bin").toAbsolutePath().toString();
        return List.of(
                new Hostile("a ../ entry", escape, "points outside", tar -> add(tar, escape, PAYLOAD)),
                new Hostile("an absolute path", absolute, "points outside", tar -> add(tar, absolute, PAYLOAD)),
                // the classic attack: a link to a directory outside, then a file written through the link's name
                new Hostile("a symbolic link, then a write through it", "cifar-10-batches-bin/evil", "symbolic link to ../../../outside", tar -> {
                    addLink(tar, "cifar-10-batches-bin/evil", TarConstants.LF_SYMLINK, "../../../outside");
                    add(tar, "cifar-10-batches-bin/evil/escape.bin", PAYLOAD);
                }),
                // a hard link to a file outside, then a file of the same name written over it
                new Hostile("a hard link, then a write through it", "cifar-10-batches-bin/test_batch.bin", "hard link to " + victim, tar -> {
                    addLink(tar, "cifar-10-batches-bin/test_batch.bin", TarConstants.LF_LINK, victim);
                    add(tar, "cifar-10-batches-bin/test_batch.bin", testRecords());
                }));
    }

    /** {@code root/cache} and {@code root/outside/victim.bin}: the attacks' target sits outside the cache but inside the test's directory. */
    private Path hostileRoot(String name) throws IOException {
        Path root = cache.resolve("hostile-" + name.replaceAll("\\W+", "-"));
        Files.createDirectories(root.resolve("outside"));
        Files.writeString(root.resolve("outside/victim.bin"), VICTIM_CONTENT);
        return root;
    }

    /** Nothing outside the cache was written, no link was made anywhere, nothing was unpacked and no temporary directory is left. */
    private static void assertNothingEscaped(Path root) throws IOException {
        Path cacheDir = root.resolve("cache"), outside = root.resolve("outside");
        try (Stream<Path> top = Files.list(root); Stream<Path> out = Files.list(outside)) {
            assertEquals(List.of("cache", "outside"), top.map(p -> p.getFileName().toString()).sorted().toList(), "written beside the cache");
            assertEquals(List.of("victim.bin"), out.map(p -> p.getFileName().toString()).toList(), "written outside the cache");
        }
        assertArrayEquals(VICTIM_CONTENT.getBytes(), Files.readAllBytes(outside.resolve("victim.bin")), "the file outside the cache was changed");
        assertEquals(1, Files.getAttribute(outside.resolve("victim.bin"), "unix:nlink"), "a hard link to the file outside the cache was made");
        try (Stream<Path> all = Files.walk(root)) {   // Files.walk does not follow links, so a link made anywhere shows up as one
            assertEquals(List.of(), all.filter(Files::isSymbolicLink).toList(), "links made by the unpacking");
        }
        try (Stream<Path> inCache = Files.list(cacheDir)) {
            assertEquals(List.of("cifar-10-binary.tar.gz", "download.lock"), inCache.map(p -> p.getFileName().toString()).sorted().toList(),
                    "nothing unpacked, no temporary directory left");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileNames")
    void aDownloadedArchiveReachingOutsideTheCacheIsRefusedNamingTheEntry(String name) throws Exception {
        Path root = hostileRoot(name);
        Hostile hostile = hostile(name, root.resolve("outside"));
        archive = hostile.archive();
        md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(archive));   // a verified download: the size and MD5 match

        DataException refused = null;
        try {
            download(md5, root.resolve("cache")).ensure();
        } catch (DataException e) {
            refused = e;
        }
        assertNothingEscaped(root);   // first: what matters most is what reached the disk
        assertNotNull(refused, "the archive was unpacked");
        assertTrue(refused.getMessage().contains("Cannot unpack") && refused.getMessage().contains(hostile.entry())
                && refused.getMessage().contains(hostile.says()), refused.getMessage());
    }

    @Test
    void trainRefusesAnArchiveInTheCacheThatReachesOutsideItWithExitThree() throws IOException {
        for (String name : hostileNames()) {
            Path root = hostileRoot(name);
            Hostile hostile = hostile(name, root.resolve("outside"));
            // an archive already in the cache is unpacked without a download: the path a copied-in archive takes
            Files.createDirectories(root.resolve("cache"));
            Files.write(root.resolve("cache/cifar-10-binary.tar.gz"), hostile.archive());
            Outcome o = Cli.run("train", "--profile", "smoke", "--data", "download", "--cache-dir", root.resolve("cache").toString(),
                    "--out", cache.resolve("runs").resolve(root.getFileName()).toString());
            assertNothingEscaped(root);
            assertEquals(Main.EXIT_DATA, o.exitCode(), name + ": " + o.err());
            assertTrue(o.err().contains(hostile.entry()) && o.err().contains(hostile.says()), name + ": " + o.err());
            assertFalse(o.err().contains("\tat "), "no stack trace: " + o.err());
        }
    }

    static List<String> hostileNames() {
        return hostileArchives(Path.of("outside")).stream().map(Hostile::name).toList();
    }

    private static Hostile hostile(String name, Path outside) {
        return hostileArchives(outside).stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void downloadsVerifiesUnpacksAndReusesTheCache() {
        Path dir = download(md5).ensure();
        Cifar10 data = Cifar10Binary.readDirectory(dir, 0, 0);
        assertEquals(60, data.train().size());
        assertEquals(25, data.test().size());
        assertEquals(Cifar10Binary.read(SampleData.file("test_batch.bin"), 1).label(0), data.test().label(0));
        assertEquals(1, requests.get());
        download(md5).ensure();
        assertEquals(1, requests.get(), "second run reuses the cache");
    }

    @Test
    void resumesACutOffTransferWithARangeRequest() {
        mode = "cut-once";
        Path dir = download(md5).ensure();
        assertEquals(60, Cifar10Binary.readDirectory(dir, 0, 0).train().size());
        assertEquals(2, requests.get());
        assertNull(rangesAsked.get(0));
        assertNotNull(rangesAsked.get(1), "the second request asks only for the missing bytes");
    }

    @Test
    void startsOverWhenTheServerRefusesRanges() throws IOException {
        mode = "no-ranges";
        download(md5).ensure();
        assertEquals(2, requests.get());
        assertEquals(md5, Cifar10Download.md5(cache.resolve("cifar-10-binary.tar.gz")));
    }

    @Test
    void rejectsAWrongChecksumAndKeepsNothingUnderTheFinalName() {
        DataException e = assertThrows(DataException.class, () -> download("0123456789abcdef0123456789abcdef").ensure());
        assertTrue(e.getMessage().contains("MD5") && e.getMessage().contains(md5), e.getMessage());
        assertFalse(Files.exists(cache.resolve("cifar-10-binary.tar.gz")));
        assertFalse(Files.exists(cache.resolve("cifar-10-binary.tar.gz.part")));
        assertFalse(Files.exists(cache.resolve("cifar-10-batches-bin")));
    }

    @Test
    void givesUpAfterRepeatedCutsKeepingThePartialFileForNextTime() {
        mode = "always-cut";
        DataException e = assertThrows(DataException.class, () -> download(md5).ensure());
        assertTrue(e.getMessage().contains("after 3 attempts") && e.getMessage().contains("--data"), e.getMessage());
        assertFalse(Files.exists(cache.resolve("cifar-10-binary.tar.gz")));
        assertTrue(Files.exists(cache.resolve("cifar-10-binary.tar.gz.part")));
    }

    @Test
    void reportsAnHttpErrorClearly() {
        mode = "404";
        DataException e = assertThrows(DataException.class, () -> download(md5).ensure());
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
    }

    @Test
    void rejectsAForeignArchive() throws IOException {
        Files.write(cache.resolve("cifar-10-binary.tar.gz"), "not a tar.gz".getBytes());
        DataException e = assertThrows(DataException.class, () -> download(md5).ensure());
        assertTrue(e.getMessage().contains("Cannot unpack"), e.getMessage());
        assertFalse(Files.exists(cache.resolve("cifar-10-batches-bin")));
    }

    @Test
    void failsAtOnceWhenTheHostDoesNotResolve() {
        long start = System.nanoTime();
        Cifar10Download noDns = new Cifar10Download(URI.create("http://cifar.invalid/cifar-10-binary.tar.gz"), archive.length, md5, cache,
                4, Duration.ofSeconds(5), Duration.ofSeconds(5));
        DataException e = assertThrows(DataException.class, noDns::ensure);
        assertTrue(e.getMessage().contains("does not resolve") && e.getMessage().contains("--data"), e.getMessage());
        assertTrue(System.nanoTime() - start < 4_000_000_000L, "no retries with backoff when there is no network");
        assertFalse(e.getMessage().contains("partial file"), "no partial file was written: " + e.getMessage());
    }

    @Test
    void failsFastWithNoNetwork() {
        server.stop(0);
        DataException e = assertThrows(DataException.class, () -> download(md5).ensure());
        assertTrue(e.getMessage().contains("--data"), e.getMessage());
    }
}
