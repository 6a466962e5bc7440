package dev.pop3x;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;

/**
 * The {@code pop3x:} component: a POP3 consumer that keys mails by UIDL and applies the delete/keep policy only after
 * the route has completed each Exchange.
 */
@Component("pop3x")
public class Pop3xComponent extends DefaultComponent {

    @Metadata(description = "Shared configuration: endpoints start from a copy of it.")
    private Pop3xConfiguration configuration = new Pop3xConfiguration();

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        Pop3xConfiguration config = configuration.copy();
        parseHostAndPort(remaining, config);
        Pop3xEndpoint endpoint = new Pop3xEndpoint(uri, this, config);
        setProperties(endpoint, parameters);
        config.validate();
        return endpoint;
    }

    private static void parseHostAndPort(String remaining, Pop3xConfiguration config) {
        String hostPort = remaining.startsWith("//") ? remaining.substring(2) : remaining;
        int colon = hostPort.lastIndexOf(':');
        if (colon > 0 && hostPort.indexOf(':') == colon) {
            String port = hostPort.substring(colon + 1);
            try {
                config.setPort(Integer.parseInt(port));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Option port must be a number, was '" + port + "'");
            }
            hostPort = hostPort.substring(0, colon);
        }
        config.setHost(hostPort);
    }

    public Pop3xConfiguration getConfiguration() {
        return configuration;
    }

    public void setConfiguration(Pop3xConfiguration configuration) {
        this.configuration = configuration;
    }
}
