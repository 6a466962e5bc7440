package dev.pop3x;

import java.util.Map;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.support.ScheduledPollConsumerHealthCheck;

/**
 * Camel's consumer health check of a pop3x consumer, which also says whether the consumer holds its mailbox. Clustered:
 * a node on standby is as healthy as the leader (readiness must not take it out of service: it is the one that takes
 * over), and says that it is not the leader. Not clustered: a consumer another consumer deposed is DOWN until its
 * route is restarted, with the reason {@code DEPOSED}; its polls no longer fail (they are not made), so Camel's own
 * check alone would show it UP after the one failed poll.
 */
final class LeadershipHealthCheck extends ScheduledPollConsumerHealthCheck {

    static final String LEADER = "pop3x.leader";
    static final String CLUSTER_VIEW = "pop3x.clusterView";

    private final Pop3xConsumer consumer;

    LeadershipHealthCheck(Pop3xConsumer consumer, String id) {
        super(consumer, id);
        this.consumer = consumer;
    }

    @Override
    public HealthCheck.Result call(Map<String, Object> options) {
        HealthCheck.Result polling = super.call(options);
        ConsumerDeposedException deposed = consumer.deposition();
        if (deposed != null && isEnabled()) {
            return deposed(polling, deposed);
        }
        MailboxLeadership leadership = consumer.leadership();
        if (leadership == null) {
            return polling;
        }
        boolean leader = leadership.isLeader();
        HealthCheckResultBuilder result = HealthCheckResultBuilder.on(this).state(polling.getState())
                .details(polling.getDetails()).detail(LEADER, leader).detail(CLUSTER_VIEW, leadership.namespace());
        polling.getError().ifPresent(result::error);
        if (!leader && polling.getState() == HealthCheck.State.UP) {
            result.message("Standby: not the leader of cluster view " + leadership.namespace());
        } else {
            polling.getMessage().ifPresent(result::message);
        }
        return result.build();
    }

    /** DOWN with the details of a failed poll: the deposition was this consumer's last one. */
    private HealthCheck.Result deposed(HealthCheck.Result polling, ConsumerDeposedException deposed) {
        return HealthCheckResultBuilder.on(this).down().details(polling.getDetails())
                .details(PollFailure.of(deposed).details(consumer.mailbox()))
                .message("Deposed: another consumer holds mailbox " + consumer.mailbox()
                         + " now; this one polls no more until its route is restarted")
                .error(deposed).build();
    }
}
