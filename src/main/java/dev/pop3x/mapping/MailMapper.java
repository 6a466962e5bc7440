package dev.pop3x.mapping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Properties;

import dev.pop3x.session.SpooledMessage;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.Message;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a downloaded message into the Camel {@link Message}: mail headers (through the header filter), the body and
 * the attachments. A mail that cannot be mapped never makes this class throw: the raw message becomes the body and
 * {@link #MAPPING_ERROR} says why.
 */
public final class MailMapper {

    /** The Camel header with the reason a mail could not be mapped (documented as Pop3xConstants.MAPPING_ERROR). */
    public static final String MAPPING_ERROR = "CamelPop3xMappingError";

    private static final Logger LOG = LoggerFactory.getLogger(MailMapper.class);

    private static final int MAX_REASON_LENGTH = 500;

    /*
     * Only Session properties are set: every other mail.mime.* switch is read by Jakarta Mail/Angus from System
     * properties once per JVM, so setting them here would change every other mail user in the process. Where the
     * defaults of those are strict, this package is lenient itself (file name decoding, parameter parsing, charsets,
     * broken base64 in the body text).
     */
    private static final Session SESSION = Session.getInstance(sessionProperties());

    private final boolean mapMailMessage;
    private final HeaderFilterStrategy headerFilter;

    public MailMapper(boolean mapMailMessage, HeaderFilterStrategy headerFilter) {
        this.mapMailMessage = mapMailMessage;
        this.headerFilter = headerFilter;
    }

    private static Properties sessionProperties() {
        Properties props = new Properties();
        // the only mail.mime.* parsing switch MimeMessage reads from its Session: accept sloppy address headers
        props.setProperty("mail.mime.address.strict", "false");
        return props;
    }

    /**
     * Sets body, mail headers (through the filter) and attachments on target. Never throws for a bad mail: if MIME
     * parsing or body extraction fails with mapMailMessage=true, the body becomes the raw message and header
     * {@link #MAPPING_ERROR} is set to a short reason. Headers are still copied when they could be read.
     *
     * @throws UncheckedIOException only when the spooled message itself cannot be read (local I/O, not the mail)
     */
    public void map(SpooledMessage raw, Message target) {
        if (headerBlockTooLarge(raw)) {
            MailHeaders.copy(MailHeaders.readHeadersWithinLimit(raw), target, headerFilter);
            target.setBody(RawMessageBody.of(raw));
            target.setHeader(MAPPING_ERROR, "header block larger than "
                                            + MailHeaders.MAX_HEADER_BLOCK_BYTES
                                            + " bytes (the limit for one mail's headers)");
            return;
        }
        if (!mapMailMessage) {
            if (target instanceof Pop3xMessage lazy && raw.inMemory() && headersCanWait()) {
                // parsed only if the route uses a header (a spooled file is gone once the Exchange completes)
                lazy.addHeaders(map -> MailHeaders.copy(MailHeaders.readHeadersOnly(raw), map, headerFilter,
                        target.getExchange()));
            } else {
                MailHeaders.copy(MailHeaders.readHeadersOnly(raw), target, headerFilter);
            }
            target.setBody(RawMessageBody.of(raw));
            return;
        }
        MimeMessage mime;
        try {
            mime = new MimeMessage(SESSION, RawMessageBody.sharedStream(raw));
        } catch (Exception | StackOverflowError e) {
            // MimeMessage could not even read the header: give the plain header parser a chance, then go raw
            MailHeaders.copy(MailHeaders.readHeadersOnly(raw), target, headerFilter);
            mappingFailed(raw, target, e);
            return;
        }
        MailHeaders.copy(MailHeaders.headersOf(mime), target, headerFilter);
        MimeContent content;
        try {
            content = MimeContent.of(mime);
        } catch (Exception | StackOverflowError e) {
            mappingFailed(raw, target, e);
            return;
        }
        target.setBody(content.body());
        CamelAttachments.add(content.attachments(), target);
    }

    /**
     * Only the default filter looks at nothing but the header itself. A custom one may read the message or the
     * Exchange, which in the middle of making the headers lazily would see none of them: it gets them made at once.
     */
    private boolean headersCanWait() {
        return headerFilter == null || headerFilter.getClass() == Pop3xHeaderFilterStrategy.class;
    }

    private static boolean headerBlockTooLarge(SpooledMessage raw) {
        try {
            return HeaderBlock.longerThan(raw, MailHeaders.MAX_HEADER_BLOCK_BYTES);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the spooled message", e);
        }
    }

    private static void mappingFailed(SpooledMessage raw, Message target, Throwable cause) {
        LOG.debug("Mail could not be mapped, delivering it raw", cause);
        target.setBody(RawMessageBody.of(raw));
        target.setHeader(MAPPING_ERROR, reason(cause));
    }

    static String reason(Throwable cause) {
        String message = cause instanceof StackOverflowError
                ? "MIME structure nested too deeply"
                : cause.getMessage();
        String reason = cause.getClass().getName() + (message == null ? "" : ": " + message);
        reason = reason.replaceAll("[\\r\\n\\t]+", " ").strip();
        return reason.length() > MAX_REASON_LENGTH ? reason.substring(0, MAX_REASON_LENGTH) : reason;
    }
}
