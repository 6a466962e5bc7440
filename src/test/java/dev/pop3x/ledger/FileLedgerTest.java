package dev.pop3x.ledger;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ledger contract on the file ledger, and what only a file does: its format, lock file and compaction. */
class FileLedgerTest extends MailboxLedgerContract {

    /** The file name of {@link #MAILBOX}'s ledger. */
    private static final String FILE = "alice%40mail.example.com%3A995.ledger";

    @TempDir
    Path dir;

    @Override
    protected Ledger ledger() {
        return new FileLedger(dir); // a new instance each time, like a restarted consumer
    }

    private Path file() {
        return dir.resolve(FILE);
    }

    @Test
    void aLedgerFileOfTheReleaseBeforeIsReadAndRewrittenInTheNewFormat() throws Exception {
        // byte for byte what that release wrote: no header, no version, a removal, a claim, a line torn by a crash
        Files.writeString(file(), """
                u1\tDONE\t0\t1000\t2000\t-\t0\t-
                u2\tFAILED\t2\t1000\t0\t-\t0\tjava.io.IOException: boom
                u3\tIN_FLIGHT\t0\t1000\t0\tnode-1/4711\t1500\t-
                u4\tDELETE_PENDING\t0\t1000\t2000\t-\t0\t-
                u4\t-
                u5\tPOISON\t3\t1000\t0\t-\t0\tboom
                u5\tDONE\t0\t10""");
        Files.createFile(dir.resolve(FILE + ".lock")); // that release left it empty

        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.fencingToken()).isEqualTo(1);
            Map<String, LedgerEntry> all = m.load(List.of("u1", "u2", "u3", "u4", "u5"), 10);
            assertThat(all).containsOnlyKeys("u1", "u2", "u3", "u5");
            assertThat(all.get("u1"))
                    .isEqualTo(new LedgerEntry("u1", MessageState.DONE, 0, 1000, 2000, null, 0, null, 1));
            assertThat(all.get("u2")).isEqualTo(
                    new LedgerEntry("u2", MessageState.FAILED, 2, 1000, 0, null, 0, "java.io.IOException: boom", 1));
            assertThat(all.get("u3")).isEqualTo(
                    new LedgerEntry("u3", MessageState.IN_FLIGHT, 0, 1000, 0, "node-1/4711", 1500, null, 1));
            assertThat(all.get("u5"))
                    .isEqualTo(new LedgerEntry("u5", MessageState.POISON, 3, 1000, 0, null, 0, "boom", 1));
            assertThat(Files.readString(file())).isEqualTo("""
                    #pop3x-ledger 2
                    u1\tDONE\t0\t1000\t2000\t-\t0\t-\t1
                    u2\tFAILED\t2\t1000\t0\t-\t0\tjava.io.IOException: boom\t1
                    u3\tIN_FLIGHT\t0\t1000\t0\tnode-1/4711\t1500\t-\t1
                    u5\tPOISON\t3\t1000\t0\t-\t0\tboom\t1
                    """);
            change(m, all.get("u2"), all.get("u2").completed(MessageState.DONE, 3000));
        }
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.fencingToken()).isEqualTo(2);
            assertThat(m.load(List.of("u2"), 10).get("u2").version()).isEqualTo(2);
            assertThat(m.size()).isEqualTo(4);
        }
    }

    @Test
    void aLedgerFileOfANewerFormatIsNotTouched() throws Exception {
        String newer = "#pop3x-ledger 3\nu1\tsomething else\n";
        Files.writeString(file(), newer);
        assertThatThrownBy(() -> ledger().open(MAILBOX)).isInstanceOf(IOException.class)
                .hasMessageContaining("#pop3x-ledger 3").hasMessageContaining(file().toString());
        assertThat(Files.readString(file())).isEqualTo(newer);
        Files.delete(file());
        ledger().open(MAILBOX).close(); // the failed open released the lock
    }

    @Test
    void aLargeChangeSetAndTheChangesAfterItAreAllReadBack() throws Exception {
        // 2,000 claims in one change set (a window far larger than the builder the ledger keeps between changes), then
        // single changes, one with an error text outside ASCII
        List<Transition> claims = new ArrayList<>();
        List<String> uids = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            uids.add("uid-" + i);
            claims.add(new Transition(null, LedgerEntry.claimedFirst("uid-" + i, "node-1/4711", 1000 + i)));
        }
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.apply(claims, Durability.NOW)).hasSize(2000);
            LedgerEntry first = claims.get(0).to();
            change(m, first, first.completed(MessageState.DONE, 5000));
            LedgerEntry last = claims.get(1999).to();
            change(m, last, last.failed("Prüfsumme falsch: ✗"));
        }
        // the format line, then one line per change: nothing written twice, nothing left out
        assertThat(Files.readAllLines(file(), StandardCharsets.UTF_8)).hasSize(1 + 2000 + 2)
                .endsWith(LedgerFileFormat.line("uid-1999", claims.get(1999).to().failed("Prüfsumme falsch: ✗"))
                        .stripTrailing());
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            Map<String, LedgerEntry> read = m.load(uids, 10_000);
            assertThat(read).hasSize(2000);
            assertThat(read.get("uid-0").state()).isEqualTo(MessageState.DONE);
            assertThat(read.get("uid-1999").lastError()).isEqualTo("Prüfsumme falsch: ✗");
            assertThat(read.get("uid-1000")).isEqualTo(claims.get(1000).to());
        }
    }

    @Test
    void tornLastLineIsIgnored() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            create(m, "u1");
        }
        // a crash in the middle of writing the next line
        Files.write(file(), "u2\tDONE\t0\t1".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.load(List.of("u1", "u2"), 10)).containsOnlyKeys("u1");
        }
    }

    @Test
    void anUnreadableLineIsSkipped() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            create(m, "u1");
        }
        Files.write(file(), "u2\tNO_SUCH_STATE\t0\t1\t0\t-\t0\t-\t1\n".getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.APPEND);
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.load(List.of("u1", "u2"), 10)).containsOnlyKeys("u1");
        }
    }

    @Test
    void theRefusalNamesTheFile() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThatThrownBy(() -> ledger().open(MAILBOX)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(file().toString());
        }
    }

    @Test
    void theCountOfOpensIsKeptInTheLockFile() throws Exception {
        for (int i = 0; i < 3; i++) {
            ledger().open(MAILBOX).close();
        }
        assertThat(Files.readString(dir.resolve(FILE + ".lock"))).isEqualTo("3\n");
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.fencingToken()).isEqualTo(4);
        }
    }

    @Test
    void garbageInTheLockFileIsReplacedByTheCount() throws Exception {
        Files.writeString(dir.resolve(FILE + ".lock"), "garbage text");
        long first;
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            first = m.fencingToken();
        }
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.fencingToken()).isGreaterThan(first);
        }
        assertThat(Files.readString(dir.resolve(FILE + ".lock"))).isEqualTo((first + 1) + "\n");
    }

    @Test
    void closeThrowsAFailedFinalSyncAfterReleasingTheLock() throws Exception {
        MailboxLedger m = ledger().open(MAILBOX);
        m.apply(List.of(new Transition(null, LedgerEntry.claimedFirst("a", "me", 1))), Durability.AT_BARRIER);
        closeUnderTheLedger(m, "logOut");

        assertThatThrownBy(m::close).isInstanceOf(IOException.class).hasMessageContaining(MAILBOX)
                .hasMessageContaining("final sync failed");
        ledger().open(MAILBOX).close(); // released all the same
        // a later barrier must not pretend that the write is durable
        assertThatThrownBy(m::awaitDurable).isInstanceOf(LedgerFencedException.class).hasMessageContaining(MAILBOX)
                .hasMessageContaining("not be durable");
    }

    @Test
    void closeAndLaterBarriersDoNotThrowWhenEverythingIsDurable() throws Exception {
        MailboxLedger m = ledger().open(MAILBOX);
        m.apply(List.of(new Transition(null, LedgerEntry.claimedFirst("a", "me", 1))), Durability.AT_BARRIER);
        m.awaitDurable();
        m.close();
        m.awaitDurable();
        MailboxLedger n = ledger().open(MAILBOX);
        n.apply(List.of(new Transition(null, LedgerEntry.claimedFirst("b", "me", 1))), Durability.AT_BARRIER);
        n.close(); // made durable by close itself
        n.awaitDurable();
    }

    @Test
    void aHolderThatLostTheLockIsNotToldItsWritesAreDurable() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            m.apply(List.of(new Transition(null, LedgerEntry.claimedFirst("a", "me", 1))), Durability.AT_BARRIER);
            closeUnderTheLedger(m, "lock");
            assertThatThrownBy(m::awaitDurable).isInstanceOf(LedgerFencedException.class)
                    .hasMessageContaining(MAILBOX);
        }
    }

    @Test
    void mailboxesAreKeptApart() throws Exception {
        FileLedger ledger = new FileLedger(dir);
        try (MailboxLedger a = ledger.open("alice@h:995"); MailboxLedger b = ledger.open("bob@h:995")) {
            create(a, "u1");
            assertThat(b.size()).isZero();
        }
    }

    @Test
    void pruneRewritesTheLogWithoutWhatItForgot() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            create(m, "a");
            create(m, "b");
            create(m, "c");
            m.load(List.of("b"), 100);
            assertThat(m.prune(100)).isEqualTo(2);
            assertThat(Files.readAllLines(file())).hasSize(2).startsWith(LedgerFileFormat.HEADER);
        }
    }

    @Test
    void manyChangesCompactTheLog() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            LedgerEntry e = create(m, "u");
            for (int i = 0; i < 1500; i++) {
                e = change(m, e, e.claimed("me", i), Durability.AT_BARRIER);
            }
        }
        assertThat(Files.readAllLines(file())).hasSizeLessThan(1100);
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            LedgerEntry e = m.load(List.of("u"), 10).get("u");
            assertThat(e.claimedAt()).isEqualTo(1499);
            assertThat(e.version()).isEqualTo(1501);
        }
    }

    @Test
    void writesAtTheBarrierAreWrittenByCloseAtTheLatest() throws Exception {
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            m.apply(List.of(new Transition(null, LedgerEntry.claimedFirst("d", "me", 3))), Durability.AT_BARRIER);
        }
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.load(List.of("d"), 10).get("d").claimedAt()).isEqualTo(3);
        }
    }

    @Test
    void theBarrierOnAnotherThreadWhileTheLogIsAppendedAndCompactedLosesNothing() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<String> uids = new ArrayList<>();
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            Thread barrier = new Thread(() -> {
                while (!done.get()) {
                    try {
                        m.awaitDurable();
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }
            });
            barrier.start();
            List<LedgerEntry> mails = new ArrayList<>();
            for (int mail = 0; mail < 20; mail++) {
                uids.add("m" + mail);
                mails.add(LedgerEntry.claimedFirst("m" + mail, "me", 0));
            }
            m.apply(mails.stream().map(e -> new Transition(null, e)).toList(), Durability.AT_BARRIER);
            // 20 mails, each changed 300 times: enough lines for several compactions while the barrier runs
            for (int round = 1; round <= 300; round++) {
                for (int mail = 0; mail < 20; mail++) {
                    LedgerEntry e = mails.get(mail);
                    mails.set(mail, change(m, e, e.claimed("me", round), Durability.AT_BARRIER));
                }
            }
            m.awaitDurable();
            done.set(true);
            barrier.join();
        }
        assertThat(failures).isEmpty();
        try (MailboxLedger m = ledger().open(MAILBOX)) {
            assertThat(m.load(uids, 10).values()).hasSize(20).allSatisfy(e -> assertThat(e.claimedAt()).isEqualTo(300));
        }
    }

    /**
     * A failing fsync or a lost lock cannot be provoked on a healthy disk: the ledger's own handle (its log stream, or
     * its lock) is closed under it instead.
     */
    private static void closeUnderTheLedger(MailboxLedger m, String field) throws Exception {
        Field handle = FileMailboxLedger.class.getDeclaredField(field);
        handle.setAccessible(true);
        ((AutoCloseable) handle.get(m)).close();
    }

    private static LedgerEntry change(MailboxLedger m, LedgerEntry from, LedgerEntry to, Durability durability)
            throws Exception {
        assertThat(m.apply(List.of(new Transition(from, to)), durability)).hasSize(1);
        return to;
    }
}
