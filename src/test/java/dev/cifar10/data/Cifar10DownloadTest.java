package dev.cifar10.data;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cifar10.SampleData;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

import static org.junit.jupiter.api.Assertions.*;

/** The download path against a local HTTP server that misbehaves on purpose. */
class Cifar10DownloadTest {
    @TempDir
    Path cache;

    private HttpServer server;
    private byte[] archive;
    private String md5;
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
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/cifar-10-binary.tar.gz");
        return new Cifar10Download(url, archive.length, expectedMd5, cache, 3, Duration.ofMillis(10), Duration.ofMillis(700));
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
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
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
