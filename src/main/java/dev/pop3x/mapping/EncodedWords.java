package dev.pop3x.mapping;

import jakarta.mail.internet.MimeUtility;

// INTERIM STUB (lead): replaced by the helper's class
final class EncodedWords {
    private EncodedWords() {
    }

    static String decode(String value) {
        if (value.indexOf("=?") < 0) {
            return value;
        }
        try {
            return MimeUtility.decodeText(value);
        } catch (Exception e) {
            return value;
        }
    }
}
