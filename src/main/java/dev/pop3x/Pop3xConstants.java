package dev.pop3x;

import dev.pop3x.mapping.MailMapper;
import org.apache.camel.spi.Metadata;

/**
 * Names of the Camel headers the pop3x consumer sets on every Exchange.
 */
public final class Pop3xConstants {

    @Metadata(description = "The message's unique id on the server (UIDL). Messages are keyed by it, never by Message-ID.",
              javaType = "String")
    public static final String UID = "CamelPop3xUid";

    @Metadata(description = "The message's number in this POP3 session (1-based, valid only during the poll that delivered it).",
              javaType = "Integer")
    public static final String MESSAGE_NUMBER = "CamelPop3xMessageNumber";

    @Metadata(description = "The message's size in octets as announced by LIST (approximate: servers differ by a few octets).",
              javaType = "Long")
    public static final String SIZE = "CamelPop3xSize";

    @Metadata(description = "How many times this message has reached the route, 1 on the first delivery.",
              javaType = "Integer")
    public static final String ATTEMPT = "CamelPop3xAttempt";

    @Metadata(description = "When the consumer first saw this message, in epoch milliseconds.", javaType = "Long")
    public static final String FIRST_SEEN = "CamelPop3xFirstSeen";

    /** The header of a headers-only delivery; its name is part of the published contract, hence not "HeadersOnly". */
    @Metadata(description = "Set to true when only the message's header was delivered (oversizeAction=headers).",
              javaType = "Boolean")
    public static final String TRUNCATED = "CamelPop3xTruncated";

    @Metadata(description = "Set when the message could not be mapped with mapMailMessage=true: the reason. The body is then the raw RFC 822 message.",
              javaType = "String")
    public static final String MAPPING_ERROR = MailMapper.MAPPING_ERROR;

    @Metadata(description = "Set when a part's transfer encoding (base64, quoted-printable, uuencode) is damaged: for each such part its attachment name (or body) and what is wrong, separated by '; '. What could be decoded is still delivered; opening the attachment does not fail. Checked for mails held in memory (up to spoolThreshold); a larger mail is decoded as leniently but not checked.",
              javaType = "String")
    public static final String DECODING_DAMAGE = MailMapper.DECODING_DAMAGE;

    private Pop3xConstants() {
    }
}
