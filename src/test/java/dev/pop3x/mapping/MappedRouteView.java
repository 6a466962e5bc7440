package dev.pop3x.mapping;

import java.io.InputStream;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.pop3x.session.SpooledMessage;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.attachment.Attachment;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.support.DefaultExchange;

/** The route's view of a mail as pop3x maps it with the default options. */
final class MappedRouteView {

    /** A filename or name parameter (also RFC 2231 "filename*" and continuations) in a copied part header. */
    private static final Pattern NAME_PARAMETER = Pattern
            .compile("(?i)(?:^|[;\\s])(?:file)?name\\*?(?:\\d+\\*?)?\\s*=");

    private final MailMapper mapper = new MailMapper(true, new Pop3xHeaderFilterStrategy());
    private final CamelContext context;

    MappedRouteView(CamelContext context) {
        this.context = context;
    }

    RouteView of(byte[] raw) {
        Exchange exchange = new DefaultExchange(context);
        // the message the consumer makes, whose headers are made when first used
        Pop3xMessage in = new Pop3xMessage(exchange);
        exchange.setIn(in);
        mapper.map(SpooledMessage.of(raw), in);
        Map<String, RouteView.Content> parts = new LinkedHashMap<>();
        Set<String> named = new HashSet<>();
        AttachmentMessage attachments = exchange.getIn(AttachmentMessage.class);
        if (attachments.hasAttachments()) {
            attachments.getAttachmentObjects().forEach((name, attachment) -> {
                parts.put(name, read(attachment));
                if (isNamed(attachment)) {
                    named.add(name);
                }
            });
        }
        return new RouteView(in.getHeader("Subject", String.class), in.getHeader("From", String.class),
                in.getBody(String.class), parts, named);
    }

    /**
     * Named in the mail (not a name pop3x made up): its copied headers carry a filename or name parameter. Only used to
     * find named parts the oracle does not see at all.
     */
    private static boolean isNamed(Attachment attachment) {
        for (String header : new String[] { "Content-Disposition", "Content-Type" }) {
            String value = attachment.getHeader(header);
            if (value != null && NAME_PARAMETER.matcher(value).find()) {
                return true;
            }
        }
        return false;
    }

    private static RouteView.Content read(Attachment attachment) {
        try (InputStream in = attachment.getDataHandler().getInputStream()) {
            return RouteView.Content.of(in.readAllBytes());
        } catch (Exception e) {
            return RouteView.Content.failed(e);
        }
    }
}
