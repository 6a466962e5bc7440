package dev.pop3x.protocol;

import java.util.Locale;

/**
 * A status line: {@code +OK} or {@code -ERR}, the optional RFC 2449 response code in [..]
 * (e.g. "IN-USE", "SYS/TEMP", "AUTH", "LOGIN-DELAY"), and the text after it (empty, never null, when absent).
 * A SASL continuation line ({@code "+ " base64}) parses as ok with the text after "+ ".
 */
public record Pop3Response(boolean ok, String code, String text) {

    public Pop3Response {
        text = text == null ? "" : text;
    }

    public static Pop3Response parse(String line) throws Pop3ProtocolException {
        if (line == null) {
            throw new Pop3ProtocolException("no status line");
        }
        if (startsWithWord(line, "+OK")) {
            return withCode(true, line.substring(3));
        }
        if (startsWithWord(line, "-ERR")) {
            return withCode(false, line.substring(4));
        }
        if (isContinuation(line)) {
            // RFC 5034: "+" SP base64; be lenient about a bare "+" (empty challenge)
            return new Pop3Response(true, null, line.length() > 1 ? line.substring(2) : "");
        }
        throw new Pop3ProtocolException("not a POP3 status line: \"" + printable(line) + "\"");
    }

    /** True for a SASL continuation ("+ ..." or a bare "+"), which is not a +OK. */
    public static boolean isContinuation(String line) {
        return line.equals("+") || line.startsWith("+ ");
    }

    private static boolean startsWithWord(String line, String word) {
        int n = word.length();
        // case-insensitive per RFC 1939; the keyword must end at end-of-line or a space
        return line.regionMatches(true, 0, word, 0, n)
               && (line.length() == n || line.charAt(n) == ' ' || line.charAt(n) == '\t');
    }

    private static Pop3Response withCode(boolean ok, String rest) {
        String s = rest.strip();
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end > 1) {
                String code = s.substring(1, end).toUpperCase(Locale.ROOT);
                return new Pop3Response(ok, code, s.substring(end + 1).strip());
            }
        }
        return new Pop3Response(ok, null, s);
    }

    /** Server text for error messages: bounded and without control characters (terminal safety). */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 100));
        for (int i = 0; i < s.length() && sb.length() < 100; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (s.length() > 100) {
            sb.append("...");
        }
        return sb.toString();
    }
}
