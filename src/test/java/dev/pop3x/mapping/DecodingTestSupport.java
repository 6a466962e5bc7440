package dev.pop3x.mapping;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Arrays;

import dev.pop3x.testsupport.SharedCorpus;

/** Inputs and readers the decoding tests share: corpus files, sources that trickle, reads of one byte. */
final class DecodingTestSupport {

    private DecodingTestSupport() {
    }

    /** A corpus file's bytes; a missing corpus skips the test (fails it under CI=true). */
    static byte[] corpusFile(String relative) throws IOException {
        SharedCorpus.mails();
        return Files.readAllBytes(SharedCorpus.folder().resolve(relative));
    }

    /** The part of a single-part mail after its header block. */
    static byte[] body(byte[] mail) {
        for (int i = 0; i + 1 < mail.length; i++) {
            if (mail[i] == '\n' && mail[i + 1] == '\n') {
                return Arrays.copyOfRange(mail, i + 2, mail.length);
            }
            if (mail[i] == '\n' && mail[i + 1] == '\r' && i + 2 < mail.length && mail[i + 2] == '\n') {
                return Arrays.copyOfRange(mail, i + 3, mail.length);
            }
        }
        return new byte[0];
    }

    /** Decodes through a source that hands out at most chunk bytes per read, read back one byte at a time. */
    static byte[] decodeTrickling(byte[] raw, String encoding, int chunk) throws IOException {
        try (InputStream in = TransferDecoding.decode(trickle(raw, chunk), encoding)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] one = new byte[3];
            int n;
            while ((n = in.read(one, 1, 1)) >= 0) {
                out.write(one, 1, n);
            }
            return out.toByteArray();
        }
    }

    /** Decodes reading single bytes with read(). */
    static byte[] decodeByteByByte(byte[] raw, String encoding) throws IOException {
        try (InputStream in = TransferDecoding.decode(new ByteArrayInputStream(raw), encoding)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                out.write(b);
            }
            return out.toByteArray();
        }
    }

    static InputStream trickle(byte[] raw, int chunk) {
        return new FilterInputStream(new ByteArrayInputStream(raw)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, chunk));
            }
        };
    }
}
