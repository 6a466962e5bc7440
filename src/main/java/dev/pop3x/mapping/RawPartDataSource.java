package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import jakarta.activation.DataSource;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimePart;

/**
 * A part's content exactly as it is in the mail, without transfer decoding: used when the Content-Transfer-Encoding
 * is one nobody can decode, so the attachment is readable instead of failing on every read.
 */
final class RawPartDataSource implements DataSource {

    private final MimePart part;

    RawPartDataSource(MimePart part) {
        this.part = part;
    }

    @Override
    public InputStream getInputStream() throws IOException {
        try {
            if (part instanceof MimeBodyPart bodyPart) {
                return bodyPart.getRawInputStream();
            }
            if (part instanceof MimeMessage message) {
                return message.getRawInputStream();
            }
            throw new IOException("no raw content for " + part.getClass().getName());
        } catch (MessagingException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        throw new IOException("read-only");
    }

    @Override
    public String getContentType() {
        try {
            String type = part.getContentType();
            return type != null ? type : "application/octet-stream";
        } catch (MessagingException e) {
            return "application/octet-stream";
        }
    }

    @Override
    public String getName() {
        try {
            return part.getFileName();
        } catch (MessagingException e) {
            return null;
        }
    }
}
