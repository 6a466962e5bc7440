package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a text part's bytes into a String leniently: a missing or unknown charset, an unknown transfer encoding or
 * damaged base64 still gives the best text there is instead of an error.
 */
final class MailText {

    private MailText() {
    }

    static String of(MailPart part, MailBytes bytes) throws IOException {
        byte[] content;
        try (InputStream in = TransferDecoding.decode(bytes.open(part.contentStart(), part.contentEnd()),
                part.transferEncoding())) {
            content = in.readAllBytes();
        }
        return Charsets.decode(content, 0, content.length, part.type().charset());
    }

    /** The bytes as UTF-8, or null when they are not valid UTF-8. */
    static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
