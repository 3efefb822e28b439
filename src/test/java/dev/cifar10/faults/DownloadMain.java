package dev.cifar10.faults;

import dev.cifar10.data.Cifar10Download;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** The download alone, in a process of its own, so a test can kill it mid-transfer. Args: url md5 bytes cacheDir. */
public final class DownloadMain {
    public static void main(String[] args) {
        new Cifar10Download(URI.create(args[0]), Long.parseLong(args[2]), args[1], Path.of(args[3]), 2, Duration.ofMillis(50),
                Duration.ofSeconds(20)).ensure();
        System.out.println("downloaded");
    }
}
