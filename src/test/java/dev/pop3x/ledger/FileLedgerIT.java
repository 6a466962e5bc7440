package dev.pop3x.ledger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.pop3x.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The file ledger in a JVM that dies or runs out of disk space, read again by the next one. */
class FileLedgerIT {

    @TempDir
    Path dir;

    @Test
    void whatApplyAndTheBarrierAcknowledgedSurvivesAKill() throws Exception {
        run(FileLedgerChild.ACKNOWLEDGE_THEN_HANG);
        try (MailboxLedger m = new FileLedger(dir.resolve("ledger")).open(MailboxLedgerContract.MAILBOX)) {
            assertThat(m.fencingToken()).isEqualTo(2);
            List<String> acknowledged = IntStream.range(0, FileLedgerChild.ACKNOWLEDGED)
                    .boxed().flatMap(i -> Stream.of("now" + i, "barrier" + i)).toList();
            assertThat(m.load(acknowledged, 10)).hasSize(acknowledged.size());
        }
    }

    @Test
    void aWriteTheDiskRefusedHalfwayLeavesNothingBehind() throws Exception {
        run(FileLedgerChild.FILL_DISK);
        try (MailboxLedger m = new FileLedger(dir.resolve("ledger")).open(MailboxLedgerContract.MAILBOX)) {
            List<String> before = IntStream.range(0, FileLedgerChild.ACKNOWLEDGED).mapToObj(i -> "before" + i)
                    .toList();
            assertThat(m.load(before, 10)).hasSize(before.size());
            // the part of the refused line was cut off: the next line was written after the last whole one
            assertThat(m.load(List.of("big", "after"), 10)).containsOnlyKeys("after");
            assertThat(m.size()).isEqualTo(before.size() + 1);
        }
    }

    /** Runs the child until it has signalled, then kills it (it may have halted already). */
    private void run(String mode) throws Exception {
        Path done = dir.resolve("done");
        Path log = dir.resolve("child.log");
        Process child = ChildJvm.start(List.of("-Xmx64m", "-XX:TieredStopAtLevel=1"), FileLedgerChild.class, log, mode,
                dir.resolve("ledger").toString(), done.toString());
        try {
            await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(done) || !child.isAlive());
            assertThat(Files.exists(done)).as(() -> "the child finished its writes; its output:\n" + read(log))
                    .isTrue();
        } finally {
            child.destroyForcibly(); // SIGKILL: no close, no shutdown hook
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return e.toString();
        }
    }
}
