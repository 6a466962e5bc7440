package dev.pop3x;

import dev.pop3x.ledger.InMemoryLedger;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The suite runs on the Camel version the build was asked for ({@code -Dcamel.version=4.18.2} in CI as well as the
 * default 4.22.0): the context reports that version, and a pop3x endpoint is created and started on it.
 */
class CamelVersionTest {

    @Test
    void theSuiteRunsOnTheRequestedCamelVersion() throws Exception {
        String requested = System.getProperty("pop3x.camelVersion");
        assertThat(requested).as("system property pop3x.camelVersion, set by the build").isNotBlank();
        try (CamelContext context = new DefaultCamelContext()) {
            context.getRegistry().bind("ledger", new InMemoryLedger());
            context.start();
            assertThat(context.getVersion()).isEqualTo(requested);
            Pop3xEndpoint endpoint = context.getEndpoint(
                    "pop3x:localhost:1110?username=alice&password=secret&security=none&ledger=#ledger",
                    Pop3xEndpoint.class);
            assertThat(endpoint.getConfiguration().getPort()).isEqualTo(1110);
        }
    }
}
