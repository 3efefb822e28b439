package dev.cifar10.util;

import com.sun.management.OperatingSystemMXBean;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.Properties;

/** The machine and software a run or benchmark ran on, for run.json and benchmark records. */
public final class HostInfo {
    private static final Properties BUILD = loadBuild();

    private HostInfo() {
    }

    public static String projectVersion() {
        return BUILD.getProperty("version", "unknown");
    }

    public static String dl4jVersion() {
        return BUILD.getProperty("dl4j.version", "unknown");
    }

    /** The git commit the jar was built from (abbreviated), or "unknown" outside a checkout. */
    public static String gitCommit() {
        String commit = BUILD.getProperty("git.commit", "");
        return commit.isBlank() || commit.startsWith("$") ? "unknown" : commit + ("true".equals(BUILD.getProperty("git.dirty")) ? "-dirty" : "");
    }

    public static String osName() {
        return System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
    }

    public static String javaRuntime() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    }

    public static long totalMemoryBytes() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof OperatingSystemMXBean sun ? sun.getTotalMemorySize() : -1;
    }

    public static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return System.getenv().getOrDefault("HOSTNAME", "unknown");
        }
    }

    private static Properties loadBuild() {
        Properties p = new Properties();
        try (InputStream in = HostInfo.class.getResourceAsStream("/build.properties")) {
            if (in != null) p.load(in);
        } catch (IOException ignored) {
            // versions then read "unknown"
        }
        return p;
    }
}
