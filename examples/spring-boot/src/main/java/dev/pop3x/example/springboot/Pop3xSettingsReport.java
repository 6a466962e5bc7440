package dev.pop3x.example.springboot;

import java.time.Duration;

import dev.pop3x.Pop3xComponent;
import dev.pop3x.Pop3xConfiguration;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Logs, once at startup, the mailbox settings the pop3x component really runs with, so that a mistyped property
 * (which Spring Boot would otherwise ignore) shows. Never logs the login.
 */
@Component
public class Pop3xSettingsReport implements ApplicationRunner {

    private static final Logger LOG = LoggerFactory.getLogger(Pop3xSettingsReport.class);

    private final CamelContext camelContext;

    public Pop3xSettingsReport(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public void run(ApplicationArguments args) {
        Pop3xConfiguration c = camelContext.getComponent("pop3x", Pop3xComponent.class).getConfiguration();
        LOG.info("pop3x settings: delete={}, maxAttempts={}, poisonAction={}, deleteAfter={}, ledgerDirectory={}",
                c.isDelete(), c.getMaxAttempts(), c.getPoisonAction().name().toLowerCase(java.util.Locale.ROOT),
                c.getDeleteAfter() > 0 ? Duration.ofMillis(c.getDeleteAfter()) : "never",
                c.getLedgerDirectory() != null ? c.getLedgerDirectory() : "(default ~/.camel-pop3x)");
    }
}
