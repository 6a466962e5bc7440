package dev.pop3x.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which process holds a TCP socket, from Linux's {@code /proc}: lets a proxy in front of a server tell the client
 * JVMs apart that all connect to the same address (the port a client connects from is its socket's local port).
 */
public final class LoopbackSockets {

    private static final List<Path> TABLES = List.of(Paths.get("/proc/net/tcp"), Paths.get("/proc/net/tcp6"));

    private LoopbackSockets() {
    }

    /** Of {@code pids}, the process with a socket whose local port is {@code localPort}; empty if none. */
    public static OptionalLong owner(int localPort, Collection<Long> pids) {
        Set<String> inodes = inodes(localPort);
        for (long pid : pids) {
            try (Stream<Path> fds = Files.list(Paths.get("/proc", String.valueOf(pid), "fd"))) {
                if (fds.anyMatch(fd -> inodes.contains(link(fd)))) {
                    return OptionalLong.of(pid);
                }
            } catch (IOException e) {
                // the process is gone
            }
        }
        return OptionalLong.empty();
    }

    /** {@code socket:[inode]} of every socket bound to that local port. */
    private static Set<String> inodes(int localPort) {
        String port = ":" + String.format(Locale.ROOT, "%04X", localPort);
        Set<String> inodes = new HashSet<>();
        for (Path table : TABLES) {
            try {
                for (String line : Files.readAllLines(table)) {
                    String[] fields = line.trim().split("\\s+");
                    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                    if (fields.length > 9 && fields[1].endsWith(port)) {
                        inodes.add("socket:[" + fields[9] + "]");
                    }
                }
            } catch (IOException e) {
                // no IPv6
            }
        }
        return inodes;
    }

    private static String link(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return ""; // closed meanwhile
        }
    }
}
