package dev.pop3x.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/** Maildir folder helpers shared by the server extensions: delivery (tmp/ then rename into new/), count, clear. */
final class TestMaildir {

    private static final AtomicLong DELIVERY_COUNTER = new AtomicLong();
    private static long lastDeliverySecond;

    private TestMaildir() {
    }

    /** Something to do with the file in tmp/ before it is renamed into new/ (e.g. chown). */
    interface BeforeRename {
        void accept(Path tmpFile) throws IOException;
    }

    /** Creates {@code new/}, {@code cur/} and {@code tmp/} under {@code maildir}. */
    static void create(Path maildir) throws IOException {
        for (String sub : List.of("new", "cur", "tmp")) {
            Files.createDirectories(maildir.resolve(sub));
        }
    }

    /** Writes {@code content} as is into {@code tmp/} under a fresh name, then renames it into {@code new/}. */
    static Path deliver(Path maildir, byte[] content, BeforeRename beforeRename) {
        try {
            String name = nextName();
            Path tmp = maildir.resolve("tmp").resolve(name);
            Files.write(tmp, content);
            if (beforeRename != null) {
                beforeRename.accept(tmp);
            }
            Path target = maildir.resolve("new").resolve(name);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("deliver failed", e);
        }
    }

    /** Message files in new/ and cur/. */
    static int count(Path maildir) {
        return listFiles(maildir.resolve("new")).size() + listFiles(maildir.resolve("cur")).size();
    }

    /** Deletes all files in new/, cur/ and tmp/ (other files, e.g. a server's index, stay). */
    static void clear(Path maildir) {
        try {
            for (String sub : List.of("new", "cur", "tmp")) {
                for (Path p : listFiles(maildir.resolve(sub))) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> listFiles(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code <seconds>.Q<10-digit counter>P<pid>.pop3x}. Servers order new files by the leading seconds, then by the
     * rest of the name (Dovecot assigns UIDs that way): a non-decreasing second and a zero-padded counter keep
     * delivery order.
     */
    static synchronized String nextName() {
        long now = Math.max(System.currentTimeMillis() / 1000, lastDeliverySecond);
        lastDeliverySecond = now;
        return now + ".Q" + String.format("%010d", DELIVERY_COUNTER.incrementAndGet()) + "P"
               + ProcessHandle.current().pid() + ".pop3x";
    }
}
