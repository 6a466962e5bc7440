package dev.pop3x.bench;

import jakarta.mail.Message;
import org.apache.camel.component.mail.MailMessage;

/**
 * camel-mail 4.22 {@code pop3:} consumer with its defaults, except: {@code delete=true} (drain) or {@code false}
 * (idle), {@code initialDelay=0}, a short {@code delay}, and {@code mapMailMessage=false} so that the body is the
 * jakarta.mail Message, written whole to a null sink in the route (like-for-like with pop3x's raw body; mapping would
 * only add work; {@code Message.writeTo} streams RETR straight to the sink, without caching). With {@code --map true}
 * camel-mail's default mapping, body and attachments read fully; with {@code --route default} (issue 12's
 * {@code camel-mail-default} row) the default mapping and the route of {@link CamelClient#readDefault}. {@code closeFolder=true} (the default) closes the folder at the end of every poll: DELEs and QUIT.
 */
public final class CamelMailClient extends CamelClient {

    public static void main(String[] args) throws Exception {
        ChildSupport c = new ChildSupport(args);
        String uri = "pop3://" + c.host + ":" + c.port + "?username=" + ChildSupport.USER
                     + "&password=" + ChildSupport.PASSWORD + "&delete=" + !c.idle()
                     + "&mapMailMessage=" + c.map + "&pollStrategy=#bench"
                     + "&initialDelay=0&delay=" + (c.idle() ? 200 : 10)
                     + "&connectionTimeout=10000";
        new CamelMailClient().run(c, uri, c.defaultRoute() ? CamelClient::readDefault : c.map ? CamelClient::readMapped : (exchange, sink) -> {
            Message mail = exchange.getIn() instanceof MailMessage mm
                    ? mm.getOriginalMessage()
                    : exchange.getIn().getMandatoryBody(Message.class);
            mail.writeTo(sink);
        }, ctx -> { });
    }
}
