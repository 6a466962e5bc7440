package dev.pop3x.ledger;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileLedgerTest {

    private static final String MAILBOX = "alice@mail.example.com:995";

    @TempDir
    Path dir;

    @Test
    void entriesSurviveReopen() throws Exception {
        FileLedger ledger = new FileLedger(dir);
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            m.update("u1", e -> LedgerEntry.claimedFirst("u1", "me", 1000).completed(MessageState.DONE, 2000));
            m.update("u2", e -> LedgerEntry.claimedFirst("u2", "me", 1000).failed("java.lang.IllegalStateException: no\tway\nout"));
            m.update("u3", e -> LedgerEntry.claimedFirst("u3", "me", 1000));
            m.update("u3", e -> null);
        }
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            assertThat(m.entries()).containsOnlyKeys("u1", "u2");
            assertThat(m.get("u1").orElseThrow().state()).isEqualTo(MessageState.DONE);
            assertThat(m.get("u1").orElseThrow().completedAt()).isEqualTo(2000);
            assertThat(m.get("u2").orElseThrow().attempts()).isEqualTo(1);
            // failure texts are kept on one line, so the line-based log cannot be broken by them
            assertThat(m.get("u2").orElseThrow().lastError()).isEqualTo("java.lang.IllegalStateException: no way out");
            assertThat(m.get("u1").orElseThrow().lastError()).isNull();
        }
    }

    @Test
    void claimsOfAnEarlierProcessAreReleasedAtOpen() throws Exception {
        FileLedger ledger = new FileLedger(dir);
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            m.update("u1", e -> LedgerEntry.claimedFirst("u1", "dead-process", 1000));
        }
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            LedgerEntry e = m.get("u1").orElseThrow();
            assertThat(e.state()).isEqualTo(MessageState.FAILED);
            assertThat(e.attempts()).isZero();
            assertThat(e.claimOwner()).isNull();
            assertThat(e.firstSeen()).isEqualTo(1000);
        }
    }

    @Test
    void tornLastLineIsIgnored() throws Exception {
        FileLedger ledger = new FileLedger(dir);
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            m.update("u1", e -> LedgerEntry.claimedFirst("u1", "me", 1).completed(MessageState.DONE, 2));
        }
        Path file;
        try (var files = Files.list(dir)) {
            file = files.filter(p -> p.toString().endsWith(".ledger")).findFirst().orElseThrow();
        }
        // a crash in the middle of writing the next line
        Files.write(file, "u2\tDONE\t0\t1".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            assertThat(m.entries()).containsOnlyKeys("u1");
        }
    }

    @Test
    void secondOpenOfTheSameMailboxIsRefusedWithAClearMessage() throws Exception {
        FileLedger ledger = new FileLedger(dir);
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            assertThatThrownBy(() -> new FileLedger(dir).open(MAILBOX))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(MAILBOX)
                    .hasMessageContaining("in use");
        }
        // released on close
        new FileLedger(dir).open(MAILBOX).close();
    }

    @Test
    void retainOnlyForgetsVanishedMails() throws Exception {
        FileLedger ledger = new FileLedger(dir);
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            for (String uid : new String[] { "a", "b", "c" }) {
                m.update(uid, e -> LedgerEntry.claimedFirst(uid, "me", 1).completed(MessageState.DONE, 2));
            }
            m.retainOnly(Set.of("b"));
            assertThat(m.entries()).containsOnlyKeys("b");
        }
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            assertThat(m.entries()).containsOnlyKeys("b");
        }
    }

    @Test
    void mailboxesAreKeptApart() throws Exception {
        FileLedger ledger = new FileLedger(dir);
        try (MailboxLedger a = ledger.open("alice@h:995"); MailboxLedger b = ledger.open("bob@h:995")) {
            a.update("u1", e -> LedgerEntry.claimedFirst("u1", "me", 1).completed(MessageState.DONE, 2));
            assertThat(b.entries()).isEmpty();
        }
    }

    @Test
    void manyUpdatesCompactTheLog() throws Exception {
        FileLedger ledger = new FileLedger(dir);
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            for (int i = 0; i < 1500; i++) {
                int n = i;
                m.update("u", e -> LedgerEntry.claimedFirst("u", "me", n));
            }
        }
        try (var files = Files.list(dir)) {
            Path file = files.filter(p -> p.toString().endsWith(".ledger")).findFirst().orElseThrow();
            assertThat(Files.readAllLines(file)).hasSizeLessThan(1100);
        }
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            assertThat(m.get("u").orElseThrow().firstSeen()).isEqualTo(1499);
        }
    }

    @Test
    void updateAllChangesSeveralEntriesInOneDurableWrite() throws Exception {
        FileLedger ledger = new FileLedger(dir);
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            m.update("gone", e -> LedgerEntry.claimedFirst("gone", "me", 1).completed(MessageState.DONE, 2));
            var result = m.updateAll(java.util.List.of("a", "b", "gone"),
                    (uid, current) -> uid.equals("gone") ? null : LedgerEntry.claimedFirst(uid, "me", 5));
            assertThat(result).containsOnlyKeys("a", "b");
            assertThat(m.entries()).containsOnlyKeys("a", "b");
        }
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            // claims of a closed ledger are released at open, but the entries are there
            assertThat(m.entries()).containsOnlyKeys("a", "b");
            assertThat(m.get("a").orElseThrow().firstSeen()).isEqualTo(5);
        }
    }

    @Test
    void deferredChangesAreKeptAndWrittenBySyncOrClose() throws Exception {
        FileLedger ledger = new FileLedger(dir);
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            m.updateDeferred("d", e -> LedgerEntry.claimedFirst("d", "me", 1).completed(MessageState.DONE, 3));
            assertThat(m.get("d").orElseThrow().state()).isEqualTo(MessageState.DONE);
            m.sync();
        }
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            assertThat(m.get("d").orElseThrow().completedAt()).isEqualTo(3);
        }
    }

    @Test
    void syncOnAnotherThreadWhileTheLogIsAppendedAndCompactedLosesNothing() throws Exception {
        FileLedger ledger = new FileLedger(dir);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            Thread syncer = new Thread(() -> {
                while (!done.get()) {
                    try {
                        m.sync();
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }
            });
            syncer.start();
            // 20 mails, each changed 300 times: enough lines for several compactions while the syncer runs
            for (int round = 1; round <= 300; round++) {
                long at = round;
                for (int mail = 0; mail < 20; mail++) {
                    String uid = "m" + mail;
                    m.updateDeferred(uid, e -> LedgerEntry.claimedFirst(uid, "me", at).completed(MessageState.DONE, at));
                }
            }
            m.sync();
            done.set(true);
            syncer.join();
        }
        assertThat(failures).isEmpty();
        try (MailboxLedger m = ledger.open(MAILBOX)) {
            assertThat(m.entries()).hasSize(20);
            assertThat(m.entries().values()).allSatisfy(e -> assertThat(e.completedAt()).isEqualTo(300));
        }
    }
}
