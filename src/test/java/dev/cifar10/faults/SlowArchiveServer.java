package dev.cifar10.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cifar10.SampleData;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** A loopback server for a real-format CIFAR-10 archive that sends slowly (to be killed mid-transfer) and honours ranges. */
final class SlowArchiveServer implements AutoCloseable {
    private final HttpServer server;
    private final java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newCachedThreadPool();
    private final byte[] archive;
    private volatile boolean slow = true;
    private volatile String lastRange;
    private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

    SlowArchiveServer() throws IOException {
        archive = archive();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/cifar-10-binary.tar.gz", this::handle);
        server.setExecutor(executor); // clients served at once, as a real server does
        server.start();
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        String range = ex.getRequestHeaders().getFirst("Range");
        lastRange = range;
        int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
        if (from > 0) ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (archive.length - 1) + "/" + archive.length);
        ex.sendResponseHeaders(from > 0 ? 206 : 200, archive.length - from);
        try (OutputStream out = ex.getResponseBody()) {
            for (int i = from; i < archive.length; i += 16_384) {
                out.write(archive, i, Math.min(16_384, archive.length - i));
                out.flush();
                if (slow) Thread.sleep(40);
            }
        } catch (InterruptedException | IOException e) {
            ex.close(); // the client went away
        }
    }

    void fast() {
        slow = false;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/cifar-10-binary.tar.gz";
    }

    String md5() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(archive));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    long size() {
        return archive.length;
    }

    int requests() {
        return requests.get();
    }

    String lastRange() {
        return lastRange;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** cifar-10-batches-bin/ with the whole sample: about 6 MB, incompressible pixels. */
    private static byte[] archive() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            for (String name : new String[]{"data_batch_1.bin", "data_batch_2.bin", "test_batch.bin"}) {
                byte[] content = Files.readAllBytes(SampleData.file(name));
                TarArchiveEntry e = new TarArchiveEntry("cifar-10-batches-bin/" + name);
                e.setSize(content.length);
                tar.putArchiveEntry(e);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        return Arrays.copyOf(bytes.toByteArray(), bytes.size());
    }
}
