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
     * True when the header block (up to the first empty line, or the end of a mail that has no body) is longer than
     * limit bytes. Line ends are CRLF, LF or a bare CR, as Jakarta Mail's header parser reads them.
     */
    static boolean longerThan(SpooledMessage raw, int limit) throws IOException {
        if (raw.size() <= limit) {
            return false;
        }
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
