package dev.pop3x;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.pop3x.testsupport.ChildJvm;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.Pop3TestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A consumer JVM killed with {@code kill -9} in the middle of a batch, then restarted on the same ledger, against a
 * real Dovecot: nothing is lost, nothing that did not complete is deleted, and the only duplicates are mails that
 * were in flight at the kill. With commitEvery=4 some deletes are final before the kill and some are not, and the
 * ledger syncs on the poll thread; without it, a window is claimed at once and the ledger syncs in the background.
 */
class CrashSafetyIT {

    private static final int MAILS = 40;

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    @TempDir
    Path dir;

    private Process consumer;

    @AfterEach
    void killLeftovers() {
        if (consumer != null) {
            consumer.destroyForcibly();
        }
    }

    private Process startConsumer(Path delivered, Path log, String options) throws IOException {
        List<String> jvm = new ArrayList<>(List.of("-Xmx256m"));
        jvm.addAll(ledgerJvmOptions());
        return ChildJvm.start(jvm, CrashTestConsumer.class, log, String.valueOf(dovecot.pop3Port()),
                dir.resolve("ledger").toString(), delivered.toString(), "25",
                options + ledgerOptions() + RouteTestSupport.PIPELINING);
    }

    /** Endpoint options that choose the ledger, each followed by {@code &}: none here, the file ledger. */
    String ledgerOptions() {
        return "";
    }

    /** JVM options of the consumer for that ledger. */
    List<String> ledgerJvmOptions() {
        return List.of();
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private static Set<String> serverUids() {
        return new HashSet<>(
                Pop3TestClient.uids("127.0.0.1", dovecot.pop3Port(), DovecotExtension.USER, DovecotExtension.PASSWORD));
    }

    @ParameterizedTest
    @ValueSource(strings = { "commitEvery=4&", "" })
    void killedMidBatchThenRestartedLosesNothingAndDuplicatesAtMostTheMailInFlight(String options) throws Exception {
        dovecot.clearMailbox();
        for (int i = 0; i < MAILS; i++) {
            dovecot.deliver("From: a@example.com\r\nSubject: crash " + i + "\r\nMessage-ID: <crash-" + i
                            + "@example.com>\r\n\r\nmail " + i + "\r\n");
        }
        Set<String> all = serverUids();
        assertThat(all).hasSize(MAILS);
        Path delivered = dir.resolve("delivered.txt");
        Path log = dir.resolve("consumer.log");

        consumer = startConsumer(delivered, log, options);
        await().atMost(Duration.ofSeconds(60)).until(() -> lines(delivered).size() >= 10 || !consumer.isAlive());
        assertThat(consumer.isAlive()).as("consumer died by itself: %s", Files.exists(log) ? Files.readString(log) : "")
                .isTrue();
        consumer.destroyForcibly(); // SIGKILL: no shutdown hook, no QUIT
        assertThat(consumer.waitFor(30, TimeUnit.SECONDS)).isTrue();

        Set<String> completedBeforeKill = new HashSet<>(lines(delivered));
        assertThat(completedBeforeKill.size()).isBetween(10, MAILS - 1); // really mid-batch
        Set<String> deletedByKill = new HashSet<>(all);
        deletedByKill.removeAll(serverUids());
        assertThat(completedBeforeKill).containsAll(deletedByKill); // nothing deleted that did not complete

        consumer = startConsumer(delivered, log, options);
        await().atMost(Duration.ofSeconds(90)).until(() -> serverUids().isEmpty() || !consumer.isAlive());
        assertThat(consumer.isAlive()).as("consumer died by itself: %s", Files.readString(log)).isTrue();
        consumer.destroy();

        List<String> deliveries = lines(delivered);
        Map<String, Integer> times = new HashMap<>();
        deliveries.forEach(uid -> times.merge(uid, 1, Integer::sum));
        System.out.printf(
                "crash test: %d completed before the kill, %d deleted by then, %d deliveries in all, %d duplicates%n",
                completedBeforeKill.size(), deletedByKill.size(), deliveries.size(), deliveries.size() - times.size());
        assertThat(times.keySet()).isEqualTo(all); // every mail reached the route at least once
        // a sequential route has one mail in flight: at most that one may come twice
        assertThat(times.values().stream().filter(n -> n > 1).count()).isLessThanOrEqualTo(1);
        assertThat(times.values()).allMatch(n -> n <= 2);
    }
}
