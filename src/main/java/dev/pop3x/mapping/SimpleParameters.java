package dev.pop3x.mapping;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A Content-Type or Content-Disposition value of the plain kind nearly every mail has ({@code text/plain;
 * charset="utf-8"}), read without Jakarta Mail's tokenizer, which profiling showed to be a tenth of the mapping.
 * Anything less plain (comments, RFC 2231 parameters, quoted pairs, a parameter without a value) is left to Jakarta
 * Mail: {@link #parse} then says null.
 *
 * @param value      the part before the first ';', lower case ("text/plain", "attachment")
 * @param parameters parameter values by lower-case name
 */
record SimpleParameters(String value, Map<String, String> parameters) {

    /** The value read the plain way, or null when it needs a full parser. */
    static SimpleParameters parse(String header) {
        if (header.indexOf('(') >= 0 || header.indexOf('*') >= 0 || header.indexOf('\\') >= 0) {
            return null;
        }
        int semicolon = header.indexOf(';');
        String value = (semicolon < 0 ? header : header.substring(0, semicolon)).strip();
        if (value.indexOf('"') >= 0 || value.indexOf(' ') >= 0 || value.indexOf('\t') >= 0) {
            return null; // "text/plain charset=x" (a missing ';') and the like: the lenient reading picks it apart
        }
        Map<String, String> parameters = new HashMap<>(4);
        int pos = semicolon < 0 ? header.length() : semicolon + 1;
        int end = header.length();
        while (pos < end) {
            char c = header.charAt(pos);
            if (c == ';' || c == ' ' || c == '\t') {
                pos++;
                continue;
            }
            int equals = header.indexOf('=', pos);
            int nextSemicolon = header.indexOf(';', pos);
            if (equals < 0 || nextSemicolon >= 0 && nextSemicolon < equals) {
                return null; // a parameter without a value
            }
            String name = header.substring(pos, equals).strip().toLowerCase(Locale.ROOT);
            if (name.isEmpty() || name.indexOf('"') >= 0 || name.indexOf(' ') >= 0) {
                return null;
            }
            pos = equals + 1;
            while (pos < end && (header.charAt(pos) == ' ' || header.charAt(pos) == '\t')) {
                pos++;
            }
            String parameter;
            if (pos < end && header.charAt(pos) == '"') {
                int close = header.indexOf('"', pos + 1);
                if (close < 0) {
                    return null;
                }
                parameter = header.substring(pos + 1, close);
                pos = close + 1;
            } else {
                int stop = header.indexOf(';', pos);
                stop = stop < 0 ? end : stop;
                parameter = header.substring(pos, stop).strip();
                if (parameter.indexOf(' ') >= 0 || parameter.indexOf('\t') >= 0 || parameter.indexOf('"') >= 0) {
                    return null;
                }
                pos = stop;
            }
            parameters.put(name, parameter);
        }
        return new SimpleParameters(value.toLowerCase(Locale.ROOT), parameters);
    }

    String get(String name) {
        return parameters.get(name);
    }
}
