package dev.pop3x.mapping;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * RFC 2047 encoded words in an unfolded header value, decoded as Thunderbird and mime4j decode them: anywhere in the
 * value (inside quoted display names, without spaces around them too), the whitespace between two encoded words
 * dropped, and adjacent words of one charset decoded together, so a character whose bytes a mailer split across two
 * words survives. A word whose charset is unknown, or that is not well formed, stays as it is.
 */
final class EncodedWords {

    // longest charset name looked at (with an RFC 2231 language): a bound on the work per "=?" in hostile values
    private static final int MAX_CHARSET = 80;

    private EncodedWords() {
    }

    static String decode(String value) {
        if (value == null) {
            return null;
        }
        int start = value.indexOf("=?");
        if (start < 0) {
            return value;
        }
        return new Decoding(value).run(start);
    }

    /** One value's decoding: the text so far, and the run of adjacent encoded words not yet turned into text. */
    private static final class Decoding {
        private final String value;
        private final StringBuilder text;
        private final ByteArrayOutputStream runBytes = new ByteArrayOutputStream();
        private String runCharset; // normalized; null when no run is open
        private String runDeclared;
        private boolean closeSearched;
        private int close; // the first "?=" after the last place searched from

        Decoding(String value) {
            this.value = value;
            this.text = new StringBuilder(value.length());
        }

        String run(int first) {
            int copied = 0; // value[0, copied) is in text or in the run
            int at = first;
            while (at >= 0) {
                Word word = parse(at);
                if (word == null) {
                    at = value.indexOf("=?", at + 1);
                    continue;
                }
                if (runCharset == null || !isSpace(copied, at)) {
                    flushRun();
                    text.append(value, copied, at);
                } else if (!runCharset.equals(word.charset)) {
                    flushRun(); // the space between two encoded words goes, whatever their charsets
                }
                if (runCharset == null) {
                    runCharset = word.charset;
                    runDeclared = word.declared;
                }
                runBytes.write(word.bytes, 0, word.bytes.length);
                copied = word.end;
                at = value.indexOf("=?", copied);
            }
            flushRun();
            text.append(value, copied, value.length());
            return text.toString();
        }

        private void flushRun() {
            if (runCharset != null) {
                byte[] bytes = runBytes.toByteArray();
                text.append(Charsets.decode(bytes, 0, bytes.length, runDeclared));
                runBytes.reset();
                runCharset = null;
                runDeclared = null;
            }
        }

        private boolean isSpace(int from, int to) {
            for (int i = from; i < to; i++) {
                char c = value.charAt(i);
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                    return false;
                }
            }
            return true;
        }

        /** The encoded word {@code =?charset?B|Q?text?=} at, or null when there is none or its charset is unknown. */
        private Word parse(int at) {
            int charsetStart = at + 2;
            int q = charsetStart;
            int limit = Math.min(value.length(), charsetStart + MAX_CHARSET);
            while (q < limit && isCharsetChar(value.charAt(q))) {
                q++;
            }
            if (q == charsetStart || q + 2 >= value.length() || value.charAt(q) != '?'
                || value.charAt(q + 2) != '?') {
                return null;
            }
            char encoding = value.charAt(q + 1);
            if (encoding != 'B' && encoding != 'b' && encoding != 'Q' && encoding != 'q') {
                return null;
            }
            int textStart = q + 3;
            int textEnd = closeAfter(textStart);
            if (textEnd < 0) {
                return null;
            }
            String declared = value.substring(charsetStart, q);
            if (Charsets.lookup(declared) == null && !Charsets.isUndeclared(declared)) {
                return null; // an unknown charset: the raw word says more than a guess
            }
            byte[] bytes = encoding == 'B' || encoding == 'b'
                    ? Base64Decoder.decode(value, textStart, textEnd)
                    : qDecode(textStart, textEnd);
            if (bytes == null) {
                return null;
            }
            String charset = declared.toLowerCase(Locale.ROOT);
            int language = charset.indexOf('*');
            return new Word(language >= 0 ? charset.substring(0, language) : charset, declared, bytes,
                    textEnd + 2);
        }

        /** The first "?=" at or after from, or -1; searched once per value however many "=?" it holds. */
        private int closeAfter(int from) {
            // words are parsed left to right: a "?=" found from an earlier place is the first one after from too
            if (closeSearched && (close < 0 || close >= from)) {
                return close;
            }
            closeSearched = true;
            close = value.indexOf("?=", from);
            return close;
        }

        /** RFC 2047's Q: '_' is a space, {@code =XX} a byte, anything else itself; null for non-Latin-1 text. */
        private byte[] qDecode(int from, int to) {
            byte[] bytes = new byte[to - from];
            int n = 0;
            for (int i = from; i < to; i++) {
                char c = value.charAt(i);
                if (c > 0xFF) {
                    return null;
                }
                int hi;
                int lo;
                if (c == '_') {
                    bytes[n++] = ' ';
                } else if (c == '=' && i + 2 < to && (hi = hex(value.charAt(i + 1))) >= 0
                           && (lo = hex(value.charAt(i + 2))) >= 0) {
                    bytes[n++] = (byte) (hi << 4 | lo);
                    i += 2;
                } else {
                    bytes[n++] = (byte) c;
                }
            }
            return n == bytes.length ? bytes : Arrays.copyOf(bytes, n);
        }

        private static int hex(char c) {
            return c < 0x80 ? Character.digit(c, 16) : -1;
        }

        private static boolean isCharsetChar(char c) {
            return c > ' ' && c < 0x7F && c != '?' && c != '=' && c != '"' && c != '(' && c != ')' && c != '<'
                   && c != '>' && c != ',' && c != ';' && c != '@' && c != ':' && c != '[' && c != ']' && c != '\\';
        }
    }

    private record Word(String charset, String declared, byte[] bytes, int end) {
    }
}
