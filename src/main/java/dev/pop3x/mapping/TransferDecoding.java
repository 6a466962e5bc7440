package dev.pop3x.mapping;

import java.io.InputStream;
import java.util.Base64;

import org.eclipse.angus.mail.util.QPDecoderStream;
import org.eclipse.angus.mail.util.UUDecoderStream;

// INTERIM STUB (lead): replaced by the helper's class
final class TransferDecoding {
    private TransferDecoding() {
    }

    static InputStream decode(InputStream raw, String cte) {
        if (cte == null) {
            return raw;
        }
        switch (cte.strip().toLowerCase()) {
            case "base64":
                return Base64.getMimeDecoder().wrap(raw);
            case "quoted-printable":
                return new QPDecoderStream(raw);
            case "uuencode", "x-uuencode", "x-uue":
                return new UUDecoderStream(raw);
            default:
                return raw;
        }
    }

    static String damage(byte[] b, int from, int to, String cte) {
        return null;
    }

    static String uuencodeFileName(byte[] b, int from, int to) {
        return null;
    }
}
