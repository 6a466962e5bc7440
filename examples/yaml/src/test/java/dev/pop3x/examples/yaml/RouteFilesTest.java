package dev.pop3x.examples.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import dev.pop3x.Pop3xEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.Test;

/**
 * The example's YAML route files, loaded as camel-main loads them, hand mailbox names and passwords with URI-special
 * characters to pop3x unchanged — directly and through the Kamelet. No server is needed: the routes are created, not
 * started. (YamlExampleIT runs them against Dovecot.)
 */
class RouteFilesTest {

    private static final String PASSWORD = "p&ss+w%rd #1?=";
    private static final String USER = "invoices+2026@example.com";

    @Test
    void mailboxCredentialsReachTheEndpointsUnchanged() throws Exception {
        Properties overrides = new Properties();
        overrides.setProperty("mail.orders.password", PASSWORD);
        overrides.setProperty("mail.invoices.password", PASSWORD);
        overrides.setProperty("mail.orders.username", USER);
        overrides.setProperty("mail.invoices.username", USER);
        overrides.setProperty("mail.invoices.port", "1995");

        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation("classpath:application.properties");
            context.getPropertiesComponent().setOverrideProperties(overrides);
            context.setAutoStartup(false);
            PluginHelper.getRoutesLoader(context).loadRoutes(
                    PluginHelper.getResourceLoader(context).resolveResource("classpath:camel/orders.yaml"),
                    PluginHelper.getResourceLoader(context).resolveResource("classpath:camel/invoices.yaml"));
            context.start();

            Map<Integer, Pop3xEndpoint> byPort = new TreeMap<>();
            context.getEndpoints().stream().filter(Pop3xEndpoint.class::isInstance).map(Pop3xEndpoint.class::cast)
                    .forEach(e -> byPort.put(e.getConfiguration().getPort(), e));
            // orders: pop3x: directly, port 0 (the default); invoices: through the Kamelet, port 1995
            assertThat(byPort).containsOnlyKeys(0, 1995);
            for (Pop3xEndpoint endpoint : byPort.values()) {
                assertThat(endpoint.getConfiguration().getPassword()).isEqualTo(PASSWORD);
                assertThat(endpoint.getConfiguration().getUsername()).isEqualTo(USER);
            }
        }
    }
}
