package dev.pop3x.testsupport;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A started CamelContext for a test class that maps mails into exchanges without a route. Started, because only a
 * started context gives messages Camel's case-insensitive header map.
 */
public final class StartedCamelContext implements BeforeAllCallback, AfterAllCallback {

    private CamelContext context;

    @Override
    public void beforeAll(ExtensionContext extensionContext) {
        context = new DefaultCamelContext();
        context.start();
    }

    @Override
    public void afterAll(ExtensionContext extensionContext) {
        context.stop();
    }

    public CamelContext context() {
        return context;
    }

    public Exchange newExchange() {
        return new DefaultExchange(context);
    }
}
