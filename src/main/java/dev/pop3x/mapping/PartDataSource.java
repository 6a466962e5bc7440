package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import jakarta.activation.DataSource;

/**
 * An attachment's content, decoded (leniently) from the mail's bytes on every read: nothing is copied into heap, and
 * opening it never fails for damaged content.
 */
final class PartDataSource implements DataSource {

    private final MailBytes bytes;
    private final MailPart part;
    private final String name;

    PartDataSource(MailBytes bytes, MailPart part, String name) {
        this.bytes = bytes;
        this.part = part;
        this.name = name;
    }

    @Override
    public InputStream getInputStream() throws IOException {
        return TransferDecoding.decode(bytes.open(part.contentStart(), part.contentEnd()), part.transferEncoding());
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        throw new IOException("read-only");
    }

    @Override
    public String getContentType() {
        String header = part.header("Content-Type");
        if (header == null) {
            return part.mimeType();
        }
        String value = MailHeaders.unfold(header).strip();
        int semicolon = value.indexOf(';');
        String base = semicolon < 0 ? value : value.substring(0, semicolon);
        // "application; name=x.pdf" names no type a reader could parse: the one the part is read as, with the parameters
        return hasSubtype(base) ? value : part.mimeType() + (semicolon < 0 ? "" : value.substring(semicolon));
    }

    private static boolean hasSubtype(String base) {
        int slash = base.indexOf('/');
        return slash > 0 && !base.substring(slash + 1).isBlank();
    }

    @Override
    public String getName() {
        return name;
    }
}
