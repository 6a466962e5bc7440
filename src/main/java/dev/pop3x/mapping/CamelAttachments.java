package dev.pop3x.mapping;

import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.pop3x.mapping.MimeContent.NamedPart;
import jakarta.activation.DataHandler;
import jakarta.mail.Header;
import jakarta.mail.MessagingException;
import jakarta.mail.Part;
import jakarta.mail.internet.MimePart;
import jakarta.mail.internet.MimePartDataSource;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.attachment.DefaultAttachment;
import org.apache.camel.attachment.DefaultAttachmentMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Puts a mail's attachment parts onto the Camel message, readable from the shared buffer/file without a copy. */
final class CamelAttachments {

    // logs under MailMapper, the category to switch on when a mail maps oddly
    private static final Logger LOG = LoggerFactory.getLogger(CamelAttachments.class);

    private CamelAttachments() {
    }

    static void add(List<NamedPart> attachments, Message target) {
        if (attachments.isEmpty()) {
            return;
        }
        AttachmentMessage message = attachmentMessage(target);
        for (NamedPart named : attachments) {
            DefaultAttachment attachment = attachmentOf(named.part());
            String name = named.name();
            if (message.getAttachmentObject(name) != null) {
                Set<String> used = new HashSet<>(message.getAttachmentNames());
                name = AttachmentNames.unique(name, used);
            }
            message.addAttachmentObject(name, attachment);
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

    private static DefaultAttachment attachmentOf(Part part) {
        DataHandler handler;
        if (MailText.hasUnknownEncoding(part)) {
            // Angus would throw on every read: hand out the bytes as they are in the mail instead
            handler = new DataHandler(new RawPartDataSource((MimePart) part));
        } else {
            try {
                // the part's data source decodes from the shared buffer/file on every read: no copy into a byte[]
                handler = part.getDataHandler();
            } catch (MessagingException e) {
                handler = new DataHandler(new MimePartDataSource((MimePart) part));
            }
        }
        DefaultAttachment attachment = new DefaultAttachment(handler);
        try {
            for (Enumeration<Header> e = part.getAllHeaders(); e.hasMoreElements();) {
                Header header = e.nextElement();
                if (header.getName() != null && header.getValue() != null) {
                    attachment.addHeader(header.getName().trim(),
                            MailHeaders.withoutControls(MailHeaders.recover8bit(MailHeaders.unfold(header.getValue())))
                                    .strip());
                }
            }
        } catch (MessagingException e) {
            LOG.debug("Could not copy an attachment's headers", e);
        }
        return attachment;
    }
}
