package dev.pop3x;

import java.util.Collection;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.health.HealthCheckRegistry;

/**
 * The route consumer's health as Camel's health API reports it (camel-health), the way camel-main, Spring Boot and
 * Quarkus read it for their readiness probes (Camel's consumer checks are readiness checks only: a mailbox that
 * cannot be reached is no reason to restart the JVM).
 */
final class ConsumerHealth {

    private ConsumerHealth() {
    }

    /** Registers Camel's consumers repository (camel-main does so with camel.health.consumersEnabled=true). */
    static void enable(CamelContext context) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        registry.register(registry.resolveById("consumers"));
    }

    static HealthCheck.Result readiness(CamelContext context) {
        return consumerResult(HealthCheckHelper.invokeReadiness(context));
    }

    private static HealthCheck.Result consumerResult(Collection<HealthCheck.Result> results) {
        return results.stream().filter(r -> r.getCheck().getId().startsWith("consumer:")).findFirst()
                .orElseThrow(() -> new AssertionError("no consumer health check among " + results));
    }
}
