package dev.pop3x;

import java.io.Closeable;

import dev.pop3x.mapping.MailMapper;
import dev.pop3x.session.SpooledMessage;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.SynchronizationAdapter;
import org.apache.camel.support.service.ServiceHelper;

/**
 * Sends a poison mail to {@code deadLetterUri}: the raw RFC 822 message as body, its filtered mail headers, the
 * CamelPop3x* headers and the last failure's text in {@code CamelExceptionCaught}.
 */
final class DeadLetterSender implements Closeable {

    private final String uri;
    private final MailMapper rawMapper;
    private final ProducerTemplate template;

    DeadLetterSender(CamelContext context, String uri, MailMapper rawMapper) {
        this.uri = uri;
        this.rawMapper = rawMapper;
        this.template = context.createProducerTemplate();
    }

    /**
     * @param  raw     the message; closed when the dead letter Exchange completes (an asynchronous endpoint may read
     *                 it after this method returned)
     * @return         null when the endpoint took it, else why not
     */
    String send(SpooledMessage raw, DeliveryHeaders headers, String failure) {
        Exchange result = template.send(uri, exchange -> {
            exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    raw.close();
                }
            });
            rawMapper.map(raw, exchange.getIn());
            headers.applyTo(exchange.getIn().getHeaders());
            exchange.getIn().setHeader(Exchange.EXCEPTION_CAUGHT, failure);
        });
        Exception e = result.getException();
        return e == null ? null : e.toString();
    }

    @Override
    public void close() {
        ServiceHelper.stopService(template);
    }
}
