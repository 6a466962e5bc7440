package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;

/**
 * Turns a text part's bytes into a String leniently: a missing or unknown charset, an unknown transfer encoding or
 * damaged base64 still gives the best text there is instead of an error.
 */
final class MailText {

    private MailText() {
    }

    static String of(MailPart part, MailBytes bytes) throws IOException {
        byte[] content;
        byte[] array = bytes.heapArray();
        if (array != null && TransferDecoding.kind(part.transferEncoding()) == TransferDecoding.Kind.IDENTITY) {
            // 7bit, 8bit, binary or none: the text is decoded from the downloaded bytes, without a copy of them
            int start = (int) part.contentStart();
            return Charsets.decode(array, start, (int) part.contentEnd() - start, part.type().charset());
        }
        if (array != null) {
            content = TransferDecoding.decode(array, (int) part.contentStart(), (int) part.contentEnd(),
                    part.transferEncoding());
        } else {
            try (InputStream in = TransferDecoding.decode(bytes.open(part.contentStart(), part.contentEnd()),
                    part.transferEncoding())) {
                content = in.readAllBytes();
            }
        }
        return Charsets.decode(content, 0, content.length, part.type().charset());
    }
}
