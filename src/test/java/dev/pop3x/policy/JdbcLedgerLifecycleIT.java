package dev.pop3x.policy;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;

import dev.pop3x.ledger.JdbcLedger;
import dev.pop3x.ledger.Ledger;
import dev.pop3x.ledger.LedgerFencedException;
import dev.pop3x.ledger.MailboxLedger;
import dev.pop3x.ledger.MessageState;
import dev.pop3x.policy.PollPlan.Delivery;
import dev.pop3x.protocol.ListEntry;
import dev.pop3x.protocol.UidlEntry;
import dev.pop3x.session.MailboxSnapshot;
import dev.pop3x.session.MessageSizes;
import dev.pop3x.testsupport.LedgerDatabase;
import dev.pop3x.testsupport.PostgresExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The life cycle's decisions on the JDBC ledger, and a takeover between two nodes: the mail the deposed node left in
 * flight is delivered by the new holder at once, without waiting for claimTimeout, and the deposed node's late
 * completion is refused and asks for no DELE.
 */
class JdbcLedgerLifecycleIT extends MessageLifecycleContract {

    @RegisterExtension
    static PostgresExtension postgres = new PostgresExtension().withDatabase("lifecycle");

    @Override
    protected Ledger newLedger(Path directory) {
        try {
            LedgerDatabase.dropTables(postgres.pool());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new JdbcLedger(postgres.pool());
    }

    @Test
    void aMailLeftInFlightByADeposedNodeIsDeliveredByTheNewHolderAtOnce() throws Exception {
        Clock now = Clock.fixed(Instant.ofEpochMilli(2_000_000_000), ZoneOffset.UTC);
        MessageSizes listed = (snapshot, mails) -> snapshot;
        MailboxSnapshot snapshot = new MailboxSnapshot(List.of(new UidlEntry(1, "x")), List.of(new ListEntry(1, 100)));
        JdbcLedger nodeA = new JdbcLedger(postgres.pool());
        JdbcLedger nodeB = new JdbcLedger(postgres.pool());
        nodeA.start();
        nodeB.start();
        try (MailboxLedger onA = nodeA.open("bob@h:995")) {
            MessageLifecycle lifecycleA = new MessageLifecycle(onA, PolicySettings.defaults(true), "node-a", now,
                    new MailboxStatistics());
            Claim inFlight = lifecycleA.claim(lifecycleA.plan(snapshot, listed).deliveries()).get(0);

            // node A stops answering with "x" in its route; node B becomes leader, in the same millisecond
            try (MailboxLedger onB = nodeB.open("bob@h:995")) {
                MessageLifecycle lifecycleB = new MessageLifecycle(onB, PolicySettings.defaults(true), "node-b", now,
                        new MailboxStatistics());
                PollPlan plan = lifecycleB.plan(snapshot, listed);
                assertThat(plan.deliveries()).extracting(Delivery::uid).containsExactly("x");
                Claim again = lifecycleB.claim(plan.deliveries()).get(0);
                assertThat(again.attempt()).isEqualTo(1);

                RecordingMailActions actionsA = new RecordingMailActions();
                assertThatThrownBy(() -> lifecycleA.succeeded(inFlight, actionsA))
                        .isInstanceOf(LedgerFencedException.class);
                assertThat(actionsA.deletes).isEmpty();

                RecordingMailActions actionsB = new RecordingMailActions();
                lifecycleB.succeeded(again, actionsB);
                assertThat(actionsB.deletes).containsExactly("x");
                assertThat(onB.find(EnumSet.of(MessageState.DELETE_PENDING))).singleElement()
                        .satisfies(e -> assertThat(e.uid()).isEqualTo("x"));
            }
        } finally {
            nodeA.stop();
            nodeB.stop();
        }
    }
}
