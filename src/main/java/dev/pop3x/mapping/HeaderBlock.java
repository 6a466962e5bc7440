package dev.pop3x.mapping;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

import dev.pop3x.session.SpooledMessage;

/** Finds where a mail's header block ends, reading no further than a limit. */
final class HeaderBlock {

    private HeaderBlock() {
    }

    /**
     * True when the header block, as {@link MimeParser#headers} ends it, is longer than limit bytes. Most mails have
     * an empty line well within the limit: only without one is the parser asked (a line of spaces or text that is no
     * field ends the block too). Line ends are CRLF, LF or a bare CR.
     */
    static boolean longerThan(SpooledMessage raw, int limit) throws IOException {
        if (raw.size() <= limit || !noEmptyLineWithin(raw, limit)) {
            return false;
        }
        // the parser also ends a header block at a line of spaces or at text that is no field: then it is short
        SpooledMessage.Head head = raw.head(limit);
        return MimeParser.headers(MailBytes.of(head.bytes()), 0, head.length(), limit, true).end() >= head.length();
    }

    /** Line ends are CRLF, LF or a bare CR, as Jakarta Mail's header parser reads them. */
    private static boolean noEmptyLineWithin(SpooledMessage raw, int limit) throws IOException {
        try (InputStream in = new BufferedInputStream(raw.openStream(), 65536)) {
            boolean lineStart = true;
            boolean afterCr = false;
            for (int i = 0; i < limit; i++) {
                int b = in.read();
                if (b < 0) {
                    return false;
                }
                if (b == '\n' && afterCr) {
                    afterCr = false; // the LF of a CRLF: the line already ended at the CR
                    continue;
                }
                afterCr = b == '\r';
                if (b == '\r' || b == '\n') {
                    if (lineStart) {
                        return false; // an empty line: the header block ends here
                    }
                    lineStart = true;
                } else {
                    lineStart = false;
                }
            }
            return true;
        }
    }
}
