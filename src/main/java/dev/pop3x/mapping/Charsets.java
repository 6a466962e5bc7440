package dev.pop3x.mapping;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Charset names as mail declares them, and text from bytes when the declaration is missing or wrong. Mail's fallback
 * is windows-1252, not ISO-8859-1: 8-bit text without a (usable) declaration comes from Windows mailers, where 0x85
 * is '…', 0x93/0x94 are quotes and 0x80 is '€' (ISO-8859-1 makes them invisible control characters).
 */
final class Charsets {

    /** Names Java does not know or maps to a narrower charset than the mailers that write them mean. */
    private static final Map<String, String> ALIASES = Map.ofEntries(
            // Outlook's name for Korean is really Microsoft's code page 949, a superset of EUC-KR
            Map.entry("ks_c_5601-1987", "x-windows-949"), Map.entry("ks_c_5601-1989", "x-windows-949"),
            Map.entry("ks_c_5601", "x-windows-949"), Map.entry("ksc5601", "x-windows-949"),
            Map.entry("ksc_5601", "x-windows-949"), Map.entry("euc-kr", "x-windows-949"),
            Map.entry("cp949", "x-windows-949"),
            // GB2312 mail is written by GBK encoders (as browsers and Thunderbird read it)
            Map.entry("gb2312", "GBK"), Map.entry("gb_2312-80", "GBK"), Map.entry("csgb2312", "GBK"),
            Map.entry("euc-cn", "GBK"), Map.entry("x-euc-cn", "GBK"), Map.entry("x-gbk", "GBK"),
            Map.entry("chinese", "GBK"),
            // Shift_JIS mail is written by Windows (NEC/IBM extensions such as circled digits)
            Map.entry("shift_jis", "windows-31j"), Map.entry("shift-jis", "windows-31j"),
            Map.entry("sjis", "windows-31j"), Map.entry("x-sjis", "windows-31j"), Map.entry("ms_kanji", "windows-31j"),
            Map.entry("tis-620", "x-windows-874"), Map.entry("windows-874", "x-windows-874"),
            Map.entry("cp874", "x-windows-874"),
            Map.entry("iso-8859-8-i", "ISO-8859-8"), Map.entry("iso-8859-6-i", "ISO-8859-6"),
            Map.entry("ansi_x3.4-1968", "US-ASCII"), Map.entry("us-ascii", "US-ASCII"), Map.entry("ascii", "US-ASCII"),
            Map.entry("x-us-ascii", "US-ASCII"), Map.entry("cp1252", "windows-1252"),
            Map.entry("latin1", "ISO-8859-1"), Map.entry("latin-1", "ISO-8859-1"), Map.entry("utf8", "UTF-8"),
            Map.entry("koi8", "KOI8-R"));

    /** Declarations that say the sender did not know the charset: the bytes are guessed as if there were none. */
    private static final Set<String> UNDECLARED = Set.of("x-unknown", "unknown-8bit", "unknown", "x-user-defined",
            "default");

    private static final Set<String> UTF_7 = Set.of("utf-7", "unicode-1-1-utf-7", "x-unicode-1-1-utf-7",
            "csunicode11utf7", "x-utf-7", "utf7");

    // "iso8859-15", "iso_8859_2", "iso 8859-1", "win-1251", "cp-1250": spellings Java rejects
    private static final Pattern ISO_8859 = Pattern.compile("iso[-_ ]?8859[-_ ]?(\\d{1,2})");
    private static final Pattern WINDOWS = Pattern.compile("(?:windows|win|cp|x-cp)[-_ ]?(125\\d)");

    // real mail uses a few dozen names; the bound keeps hostile mail with random names from growing the cache
    private static final int CACHE_LIMIT = 512;
    private static final Map<String, Optional<Charset>> CACHE = new ConcurrentHashMap<>();

    /** 0x80-0x9F in windows-1252; its five unassigned bytes keep their code point, as browsers read them. */
    private static final char[] WINDOWS_1252_C1 = windows1252C1();
    /** What the JDK's US-ASCII decoder puts for an 8-bit byte; ASCII text cannot contain it. */
    private static final char REPLACEMENT = '\uFFFD';

    private Charsets() {
    }

    /** The charset a declaration names, leniently (quotes, case, spaces, common aliases); null when unknown. */
    static Charset lookup(String declared) {
        if (declared == null) {
            return null;
        }
        Optional<Charset> cached = CACHE.get(declared);
        if (cached != null) {
            return cached.orElse(null);
        }
        Charset charset = resolve(normalize(declared));
        if (CACHE.size() < CACHE_LIMIT) {
            CACHE.put(declared, Optional.ofNullable(charset));
        }
        return charset;
    }

    /** True when no charset is named: missing, blank or a placeholder such as {@code x-unknown}. */
    static boolean isUndeclared(String declared) {
        if (declared == null) {
            return true;
        }
        String name = normalize(declared);
        return name.isEmpty() || UNDECLARED.contains(name);
    }

    private static String normalize(String declared) {
        int start = 0;
        int end = declared.length();
        while (start < end && isJunk(declared.charAt(start))) {
            start++;
        }
        while (end > start && isJunk(declared.charAt(end - 1))) {
            end--;
        }
        String name = declared.substring(start, end).toLowerCase(Locale.ROOT);
        int language = name.indexOf('*'); // RFC 2231: "utf-8*en"
        return language >= 0 ? name.substring(0, language) : name;
    }

    private static boolean isJunk(char c) {
        return c <= ' ' || c == '"' || c == '\'' || c == ';' || c == ',';
    }

    private static Charset resolve(String name) {
        if (name.isEmpty() || UNDECLARED.contains(name)) {
            return null;
        }
        if (UTF_7.contains(name)) {
            return Utf7Charset.INSTANCE;
        }
        String javaName = ALIASES.getOrDefault(name, name);
        Matcher iso = ISO_8859.matcher(javaName);
        if (iso.matches()) {
            javaName = "ISO-8859-" + iso.group(1);
        }
        Matcher windows = WINDOWS.matcher(javaName);
        if (windows.matches()) {
            javaName = "windows-" + windows.group(1);
        }
        try {
            return Charset.forName(javaName);
        } catch (IllegalArgumentException e) {
            return null; // an illegal or unsupported name
        }
    }

    /**
     * The text of bytes in the declared charset. When the declaration is missing, US-ASCII (which 8-bit bytes
     * contradict) or unknown: UTF-8 if the bytes are valid UTF-8, else windows-1252. Malformed input in a known
     * charset becomes U+FFFD. Knows UTF-7.
     */
    static String decode(byte[] b, int off, int len, String declared) {
        Charset charset = lookup(declared);
        if (charset == null || charset.equals(StandardCharsets.US_ASCII)) {
            return guess(b, off, len);
        }
        return new String(b, off, len, charset);
    }

    /** Bytes of no known charset: ASCII, else UTF-8 if valid, else UTF-8 where valid and windows-1252 elsewhere. */
    static String guess(byte[] b, int off, int len) {
        // ASCII: the JDK's own check for 8-bit bytes (an intrinsic) and copy, in one call; a loop here would run
        // interpreted for the first mails of a poll. An 8-bit byte becomes U+FFFD, which plain ASCII cannot contain.
        String ascii = new String(b, off, len, StandardCharsets.US_ASCII);
        if (ascii.indexOf(REPLACEMENT) < 0) {
            return ascii;
        }
        if (isUtf8(b, off, len)) {
            return new String(b, off, len, StandardCharsets.UTF_8);
        }
        return utf8ElseWindows1252(b, off, len);
    }

    /**
     * Each valid UTF-8 sequence as UTF-8, every other byte as windows-1252: UTF-8 text with one cut or stray byte
     * (a name truncated mid-character, say) stays readable instead of becoming windows-1252 mojibake throughout.
     */
    private static String utf8ElseWindows1252(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder(len);
        int end = off + len;
        int i = off;
        while (i < end) {
            int sequence = b[i] < 0 ? utf8SequenceLength(b, i, end) : 1;
            if (sequence > 1) {
                sb.append(new String(b, i, sequence, StandardCharsets.UTF_8));
                i += sequence;
            } else {
                int c = b[i] & 0xFF;
                sb.append(c >= 0x80 && c < 0xA0 ? WINDOWS_1252_C1[c - 0x80] : (char) c);
                i++;
            }
        }
        return sb.toString();
    }

    /** The length of the valid UTF-8 multi-byte sequence at i, or 0. */
    private static int utf8SequenceLength(byte[] b, int i, int end) {
        for (int length = 2; length <= 4 && i + length <= end; length++) {
            if (isUtf8(b, i, length)) {
                return length;
            }
        }
        return 0;
    }

    /**
     * A header value read byte per char (as Latin-1) made text: valid UTF-8 (RFC 6532) is read as UTF-8, other 8-bit
     * bytes as windows-1252. Strings that are not byte per char, or plain ASCII, come back unchanged.
     */
    static String headerBytes(String latin1) {
        boolean high = false;
        for (int i = 0; i < latin1.length(); i++) {
            char c = latin1.charAt(i);
            if (c > 0xFF) {
                return latin1; // not a byte-per-char string: nothing to recover
            }
            high |= c >= 0x80;
        }
        if (!high) {
            return latin1;
        }
        byte[] bytes = latin1.getBytes(StandardCharsets.ISO_8859_1);
        return guess(bytes, 0, bytes.length);
    }

    /** Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF, no cut sequence. */
    static boolean isUtf8(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int trailing;
            int min;
            int max = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                trailing = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                trailing = 2;
                min = c == 0xE0 ? 0xA0 : 0x80; // no overlong three-byte form
                max = c == 0xED ? 0x9F : 0xBF; // no surrogates
            } else if (c >= 0xF0 && c <= 0xF4) {
                trailing = 3;
                min = c == 0xF0 ? 0x90 : 0x80; // no overlong four-byte form
                max = c == 0xF4 ? 0x8F : 0xBF; // nothing above U+10FFFF
            } else {
                return false;
            }
            if (i + trailing >= end) {
                return false; // cut at the end
            }
            int second = b[i + 1] & 0xFF;
            if (second < min || second > max) {
                return false;
            }
            for (int k = 2; k <= trailing; k++) {
                if ((b[i + k] & 0xC0) != 0x80) {
                    return false;
                }
            }
            i += trailing + 1;
        }
        return true;
    }

    /** windows-1252 as browsers read it: every byte is a character. */
    static String windows1252(byte[] b, int off, int len) {
        char[] chars = new char[len];
        for (int i = 0; i < len; i++) {
            int c = b[off + i] & 0xFF;
            chars[i] = c >= 0x80 && c < 0xA0 ? WINDOWS_1252_C1[c - 0x80] : (char) c;
        }
        return new String(chars);
    }

    private static char[] windows1252C1() {
        byte[] c1 = new byte[32];
        for (int i = 0; i < c1.length; i++) {
            c1[i] = (byte) (0x80 + i);
        }
        char[] chars = new String(c1, Charset.forName("windows-1252")).toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] == '\uFFFD') {
                chars[i] = (char) (0x80 + i);
            }
        }
        return chars;
    }
}
