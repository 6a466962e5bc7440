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
        return header != null ? MailHeaders.unfold(header).strip() : part.mimeType();
    }

    @Override
    public String getName() {
        return name;
    }
}
