package dev.pop3x.mapping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

import dev.pop3x.mapping.MimeContent.NamedPart;
import dev.pop3x.session.SpooledMessage;
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

    /** The Camel header listing the parts whose transfer encoding is damaged (documented in Pop3xConstants). */
    public static final String DECODING_DAMAGE = "CamelPop3xDecodingDamage";

    private static final Logger LOG = LoggerFactory.getLogger(MailMapper.class);

    private static final int MAX_REASON_LENGTH = 500;

    private final boolean mapMailMessage;
    private final HeaderFilterStrategy headerFilter;

    private final boolean attachedMessageParts;

    public MailMapper(boolean mapMailMessage, HeaderFilterStrategy headerFilter) {
        this(mapMailMessage, headerFilter, false);
    }

    /**
     * @param attachedMessageParts also offer the attachments inside attached mails (message/rfc822) as attachments
     */
    public MailMapper(boolean mapMailMessage, HeaderFilterStrategy headerFilter, boolean attachedMessageParts) {
        this.mapMailMessage = mapMailMessage;
        this.headerFilter = headerFilter;
        this.attachedMessageParts = attachedMessageParts;
    }

    /**
     * Sets body, mail headers (through the filter) and attachments on target. Never throws for a bad mail: if MIME
     * parsing or body extraction fails with mapMailMessage=true, the body becomes the raw message and header
     * {@link #MAPPING_ERROR} is set to a short reason. Headers are still copied when they could be read.
     *
     * @throws UncheckedIOException only when the spooled message itself cannot be read (local I/O, not the mail)
     */
    public void map(SpooledMessage raw, Message target) {
        apply(prepare(raw), target);
    }

    /**
     * The part of {@link #map} that needs no Exchange: parsing, decoding the headers and the body text. It may run on
     * another thread than {@link #apply} (the one that downloaded the mail, when reading ahead). Never throws.
     */
    public Prepared prepare(SpooledMessage raw) {
        try {
            return prepareOrThrow(raw);
        } catch (UncheckedIOException e) {
            return new Unreadable(e); // thrown by apply, on the poll thread
        }
    }

    /**
     * The rest of {@link #map}: headers through the filter, body and attachments onto the message.
     *
     * @throws UncheckedIOException only when the spooled message itself cannot be read (local I/O, not the mail)
     */
    public void apply(Prepared prepared, Message target) {
        if (prepared instanceof Unreadable unreadable) {
            throw unreadable.failure();
        }
        if (prepared instanceof Unparsed unparsed) {
            applyUnparsed(unparsed.raw(), target);
            return;
        }
        Mapped mapped = (Mapped) prepared;
        if (mapped.headers() != null) {
            mapped.headers().copyTo(target.getHeaders(), headerFilter, target.getExchange());
        }
        target.setBody(mapped.body());
        if (!mapped.attachments().isEmpty()) {
            CamelAttachments.add(mapped.attachments(), mapped.bytes(), target);
        }
        mapped.extraHeaders().forEach(target::setHeader);
    }

    /** A mail as {@link #prepare} left it for {@link #apply}. */
    public sealed interface Prepared permits Mapped, Unparsed, Unreadable {
    }

    /** Parsed (or failed to parse: the raw body and a reason among the extra headers). */
    private record Mapped(MailHeaders.Decoded headers, Object body, List<NamedPart> attachments, MailBytes bytes,
            Map<String, String> extraHeaders)
            implements
                Prepared {
    }

    /** mapMailMessage=false: nothing to do before the Exchange (the headers may even be made lazily). */
    private record Unparsed(SpooledMessage raw) implements Prepared {
    }

    /** The spooled message could not be read. */
    private record Unreadable(UncheckedIOException failure) implements Prepared {
    }

    private Prepared prepareOrThrow(SpooledMessage raw) {
        if (headerBlockTooLarge(raw)) {
            return new Mapped(MailHeaders.decode(MailHeaders.readHeadersWithinLimit(raw)), RawMessageBody.of(raw),
                    List.of(), null, Map.of(MAPPING_ERROR, "header block larger than "
                                                           + MailHeaders.MAX_HEADER_BLOCK_BYTES
                                                           + " bytes (the limit for one mail's headers)"));
        }
        if (!mapMailMessage) {
            return new Unparsed(raw);
        }
        try (MailBytes bytes = MailBytes.of(raw)) {
            MailPart mail;
            try {
                mail = MimeParser.parse(bytes);
            } catch (UncheckedIOException e) {
                throw e; // the spool file could not be read: not the mail's fault
            } catch (MalformedMailException | RuntimeException | StackOverflowError e) {
                return mappingFailed(raw, MailHeaders.decode(MailHeaders.readHeadersOnly(raw)), e);
            }
            MailHeaders.Decoded headers = MailHeaders.decode(mail.headers());
            MimeContent content;
            try {
                content = MimeContent.of(mail, bytes, attachedMessageParts);
            } catch (UncheckedIOException e) {
                throw e;
            } catch (RuntimeException | StackOverflowError e) {
                return mappingFailed(raw, headers, e);
            }
            Map<String, String> extra = content.damage().isEmpty() ? Map.of()
                    : Map.of(DECODING_DAMAGE, String.join("; ", content.damage()));
            return new Mapped(headers, content.body(), content.attachments(), bytes, extra);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the spooled message", e);
        }
    }

    private void applyUnparsed(SpooledMessage raw, Message target) {
        if (target instanceof Pop3xMessage lazy && raw.inMemory() && headersCanWait()) {
            // parsed only if the route uses a header (a spooled file is gone once the Exchange completes)
            lazy.addHeaders(map -> MailHeaders.copy(MailHeaders.readHeadersOnly(raw), map, headerFilter,
                    target.getExchange()));
        } else {
            MailHeaders.copy(MailHeaders.readHeadersOnly(raw), target, headerFilter);
        }
        target.setBody(RawMessageBody.of(raw));
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
            return MailHeaders.blockLongerThan(raw, MailHeaders.MAX_HEADER_BLOCK_BYTES);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the spooled message", e);
        }
    }

    private static Mapped mappingFailed(SpooledMessage raw, MailHeaders.Decoded headers, Throwable cause) {
        LOG.debug("Mail could not be mapped, delivering it raw", cause);
        return new Mapped(headers, RawMessageBody.of(raw), List.of(), null, Map.of(MAPPING_ERROR, reason(cause)));
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
