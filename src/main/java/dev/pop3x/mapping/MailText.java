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
        String charset = part.type().charset();
        byte[] array = bytes.heapArray();
        if (array == null) {
            try (InputStream in = TransferDecoding.decode(bytes.open(part.contentStart(), part.contentEnd()),
                    part.transferEncoding())) {
                byte[] content = in.readAllBytes();
                return Charsets.decode(content, 0, content.length, charset);
            }
        }
        int start = (int) part.contentStart();
        int end = (int) part.contentEnd();
        if (TransferDecoding.kind(part.transferEncoding()) == TransferDecoding.Kind.IDENTITY) {
            // 7bit, 8bit, binary or none: the text is decoded from the downloaded bytes, without a copy of them
            return Charsets.decode(array, start, end - start, charset);
        }
        byte[] content = TransferDecoding.decode(array, start, end, part.transferEncoding());
        return Charsets.decode(content, 0, content.length, charset);
    }
}
