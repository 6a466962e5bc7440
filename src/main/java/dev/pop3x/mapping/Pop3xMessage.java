package dev.pop3x.mapping;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultMessage;

/**
 * The In message of a pop3x Exchange. Its headers (the CamelPop3x* ones and the mail's own) are made when something
 * first reads or writes a header, as camel-mail's MailMessage does: a route that only wants the raw mail does not pay
 * for parsing and filtering its header. What the route sees is the same either way.
 */
public final class Pop3xMessage extends DefaultMessage {

    private final List<Consumer<Map<String, Object>>> headerSources = new ArrayList<>(2);

    public Pop3xMessage(Exchange exchange) {
        super(exchange);
    }

    /** Headers to add when the headers are first used, in the order added; at once if they are in use already. */
    public void addHeaders(Consumer<Map<String, Object>> source) {
        if (hasPopulatedHeaders()) {
            source.accept(getHeaders());
        } else {
            headerSources.add(source);
        }
    }

    /** True once the headers were made (something used them). */
    boolean headersMade() {
        return hasPopulatedHeaders();
    }

    @Override
    protected boolean isPopulateHeadersSupported() {
        return true;
    }

    @Override
    protected void populateInitialHeaders(Map<String, Object> map) {
        List<Consumer<Map<String, Object>>> sources = new ArrayList<>(headerSources);
        headerSources.clear();
        sources.forEach(s -> s.accept(map));
    }

    /** Copies (multicast, the original message, ...) are plain messages: the headers are made by then. */
    @Override
    public DefaultMessage newInstance() {
        return new DefaultMessage(getExchange());
    }
}
