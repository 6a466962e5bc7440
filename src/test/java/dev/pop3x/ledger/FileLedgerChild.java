package dev.pop3x.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A consumer's JVM reduced to its file ledger, for {@link FileLedgerIT}: writes, then signals through a file and
 * waits to be killed, or runs out of disk space (a file size limit) in the middle of a line.
 */
final class FileLedgerChild {

    static final int ACKNOWLEDGED = 10;
    static final String FILL_DISK = "fill-disk";
    static final String ACKNOWLEDGE_THEN_HANG = "acknowledge-then-hang";

    private FileLedgerChild() {
    }

    /** Arguments: the mode, the ledger directory, the file to create once done. */
    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[1]);
        MailboxLedger m = new FileLedger(directory).open(MailboxLedgerContract.MAILBOX);
        Path done = Path.of(args[2]);
        if (ACKNOWLEDGE_THEN_HANG.equals(args[0])) {
            for (int i = 0; i < ACKNOWLEDGED; i++) {
                create(m, "now" + i, Durability.NOW);
                create(m, "barrier" + i, Durability.AT_BARRIER);
            }
            m.awaitDurable();
            Files.createFile(done);
            Thread.sleep(Long.MAX_VALUE); // until killed: no close, no shutdown hook
        } else if (FILL_DISK.equals(args[0])) {
            fillDisk(m, directory, done);
        }
    }

    /**
     * Writes past a file size limit set just above the log: the kernel writes part of the line, then refuses (the JVM
     * ignores SIGXFSZ). The ledger must cut the part off, so that the next, smaller write still fits and is readable.
     */
    private static void fillDisk(MailboxLedger m, Path directory, Path done) throws Exception {
        for (int i = 0; i < ACKNOWLEDGED; i++) {
            create(m, "before" + i, Durability.NOW);
        }
        long limit;
        try (var files = Files.list(directory)) {
            limit = Files.size(files.filter(f -> f.toString().endsWith(".ledger")).findFirst().orElseThrow()) + 200;
        }
        Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(ProcessHandle.current().pid()),
                "--fsize=" + limit).inheritIO().start();
        if (prlimit.waitFor() != 0) {
            throw new IllegalStateException("prlimit failed");
        }
        LedgerEntry big = LedgerEntry.claimedFirst("big", "me", 1).failed("x".repeat(1000));
        try {
            m.apply(List.of(new Transition(null, big)), Durability.NOW);
            throw new IllegalStateException("a line of " + LedgerFileFormat.line("big", big).length()
                                            + " bytes was written beyond the limit of " + limit);
        } catch (IOException expected) {
            System.out.println("refused as expected: " + expected);
        }
        create(m, "after", Durability.NOW);
        Files.createFile(done);
        Runtime.getRuntime().halt(0); // no close: the file is judged as the failed write left it
    }

    private static void create(MailboxLedger m, String uid, Durability durability) throws IOException {
        m.apply(List.of(new Transition(null, LedgerEntry.claimedFirst(uid, "child", 1))), durability);
    }
}
