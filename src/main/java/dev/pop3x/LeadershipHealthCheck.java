package dev.pop3x;

import java.util.Map;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.support.ScheduledPollConsumerHealthCheck;

/**
 * Camel's consumer health check of a clustered consumer: a node on standby is as healthy as the leader (readiness must
 * not take it out of service: it is the one that takes over), and says that it is not the leader.
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
}
