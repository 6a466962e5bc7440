package dev.pop3x;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the events files of {@link ClusterTestConsumer} nodes ({@code S uid} started, {@code B uid} blocked,
 * {@code D uid} done), one file per node, in the order the nodes were started.
 */
final class ClusterEvents {

    private ClusterEvents() {
    }

    /** The mails a route completed, on any node. */
    static Set<String> completed(List<Path> events) throws IOException {
        Set<String> done = new HashSet<>();
        for (Path file : events) {
            done.addAll(uids(file, "D "));
        }
        return done;
    }

    /** How often each mail was started in a route, over all nodes. */
    static Map<String, Integer> starts(List<Path> events) throws IOException {
        Map<String, Integer> started = new HashMap<>();
        for (Path file : events) {
            uids(file, "S ").forEach(uid -> started.merge(uid, 1, Integer::sum));
        }
        return started;
    }

    /** The mails started in a route more than once. */
    static Set<String> duplicates(List<Path> events) throws IOException {
        Set<String> duplicates = new HashSet<>();
        starts(events).forEach((uid, times) -> {
            if (times > 1) {
                duplicates.add(uid);
            }
        });
        return duplicates;
    }

    /** Node index to the number of mails it started. */
    static Map<Integer, Integer> startedPerNode(List<Path> events) throws IOException {
        Map<Integer, Integer> started = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            started.put(i, (int) count(events.get(i), "S "));
        }
        return started;
    }

    static long count(Path file, String prefix) throws IOException {
        return lines(file).stream().filter(l -> l.startsWith(prefix)).count();
    }

    static List<String> uids(Path file, String prefix) throws IOException {
        return lines(file).stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
    }

    static String lastOf(Path file, String prefix) throws IOException {
        List<String> matching = uids(file, prefix);
        return matching.get(matching.size() - 1);
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }
}
