package dev.pop3x.mapping;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.pop3x.mapping.MimeContent.NamedPart;
import jakarta.activation.DataHandler;
import jakarta.mail.Header;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.attachment.DefaultAttachment;
import org.apache.camel.attachment.DefaultAttachmentMessage;

/** Puts a mail's attachment parts onto the Camel message, readable from the mail's buffer/file without a copy. */
final class CamelAttachments {

    private CamelAttachments() {
    }

    static void add(List<NamedPart> attachments, MailBytes bytes, Message target) {
        if (attachments.isEmpty()) {
            return;
        }
        AttachmentMessage message = attachmentMessage(target);
        for (NamedPart named : attachments) {
            String name = named.name();
            if (message.getAttachmentObject(name) != null) {
                Set<String> used = new HashSet<>(message.getAttachmentNames());
                name = AttachmentNames.unique(name, used);
            }
            message.addAttachmentObject(name, attachmentOf(named.part(), bytes, name));
        }
    }

    private static AttachmentMessage attachmentMessage(Message target) {
        if (target instanceof AttachmentMessage message) {
            return message;
        }
        Exchange exchange = target.getExchange();
        if (exchange != null && exchange.getIn() == target) {
            return exchange.getIn(AttachmentMessage.class);
        }
        // attachments are stored on the wrapped message itself, so wrapping here loses nothing
        return new DefaultAttachmentMessage(target);
    }

    private static DefaultAttachment attachmentOf(MailPart part, MailBytes bytes, String name) {
        DefaultAttachment attachment = new DefaultAttachment(new DataHandler(new PartDataSource(bytes, part, name)));
        for (Header header : part.headers()) {
            attachment.addHeader(header.getName(),
                    MailHeaders.withoutControls(Charsets.headerBytes(MailHeaders.unfold(header.getValue()))).strip());
        }
        return attachment;
    }
}
