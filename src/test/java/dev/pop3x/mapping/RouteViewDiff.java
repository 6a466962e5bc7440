package dev.pop3x.mapping;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Compares two route views of one mail field by field, after only the normalisations said below. */
final class RouteViewDiff {

    static final String SUBJECT = "subject";
    static final String FROM = "from";
    static final String BODY = "body";
    static final String PART = "part:";

    private static final int PREVIEW = 120;

    /** One field of one mail on which pop3x and the oracle disagree. */
    record Divergence(String file, String field, String ours, String oracle) {
        /** One line for the failure message; long values are shown from a little before where they differ. */
        String line() {
            int from = Math.max(0, commonPrefix(ours, oracle) - 30);
            return file + " | " + field + " | ours: " + preview(ours, from) + " | oracle: " + preview(oracle, from);
        }
    }

    /** Per field (subject, from, body, named parts): how many were compared and how many agreed. */
    static final class Tally {
        private final Map<String, int[]> counts = new LinkedHashMap<>();

        void count(String field, boolean agree) {
            int[] c = counts.computeIfAbsent(field.startsWith(PART) ? "named parts" : field, k -> new int[2]);
            c[0] += agree ? 1 : 0;
            c[1]++;
        }

        List<String> lines() {
            List<String> lines = new ArrayList<>();
            counts.forEach((field, c) -> lines.add(field + ": " + c[0] + "/" + c[1] + " agree"));
            return lines;
        }
    }

    private final String file;
    private final Tally tally;
    private final List<Divergence> divergences = new ArrayList<>();

    private RouteViewDiff(String file, Tally tally) {
        this.file = file;
        this.tally = tally;
    }

    static List<Divergence> compare(String file, RouteView ours, RouteView oracle, Tally tally) {
        RouteViewDiff diff = new RouteViewDiff(file, tally);
        diff.text(SUBJECT, header(ours.subject()), header(oracle.subject()));
        diff.text(FROM, header(ours.from()), header(oracle.from()));
        diff.text(BODY, body(ours.body()), body(oracle.body()));
        // ours by name among all its attachments; a part only ours names in the mail is a divergence too
        Map<String, RouteView.Content> unmatched = new LinkedHashMap<>(ours.parts());
        unmatched.keySet().removeAll(oracle.parts().keySet());
        oracle.parts().forEach((name, theirs) -> {
            RouteView.Content mine = ours.parts().get(name);
            if (mine == null) {
                // the same bytes under another name: one divergence, of the name
                String renamed = sameBytes(unmatched, theirs);
                if (renamed != null) {
                    unmatched.remove(renamed);
                    diff.field(PART + name, false, "same bytes named \"" + renamed + "\"", "named \"" + name + "\"");
                    return;
                }
            }
            boolean agree = mine != null && mine.error() == null && theirs.error() == null
                            && Arrays.equals(mine.bytes(), theirs.bytes());
            diff.field(PART + name, agree, describe(mine), describe(theirs));
        });
        unmatched.forEach((name, mine) -> {
            if (ours.named().contains(name)) {
                diff.field(PART + name, false, describe(mine), describe(null));
            }
        });
        return diff.divergences;
    }

    private static String sameBytes(Map<String, RouteView.Content> parts, RouteView.Content wanted) {
        for (Map.Entry<String, RouteView.Content> part : parts.entrySet()) {
            if (part.getValue().bytes() != null && wanted.bytes() != null
                && Arrays.equals(part.getValue().bytes(), wanted.bytes())) {
                return part.getKey();
            }
        }
        return null;
    }

    private void text(String field, String ours, String oracle) {
        field(field, Objects.equals(ours, oracle), ours, oracle);
    }

    private void field(String field, boolean agree, String ours, String oracle) {
        tally.count(field, agree);
        if (!agree) {
            divergences.add(new Divergence(file, field, ours, oracle));
        }
    }

    /**
     * Header values: a missing header reads as empty (a route sees no text either way); folding whitespace, and the
     * control characters pop3x documents to turn into spaces so a value stays one line, collapse to one space.
     */
    private static String header(String value) {
        return value == null ? "" : value.replaceAll("[\\s\\p{Cntrl}]+", " ").strip();
    }

    /**
     * Body text: line ends (CRLF, LF or CR: the transport's, not the author's choice) read as LF, and whitespace at
     * the very end (the line break before a boundary or at the end of the mail) is dropped.
     */
    private static String body(String value) {
        return value == null ? "" : value.replace("\r\n", "\n").replace('\r', '\n').stripTrailing();
    }

    /** Length, SHA-256 prefix and the start of the bytes as text, or what went wrong. */
    private static String describe(RouteView.Content content) {
        if (content == null) {
            return "(no such part)";
        }
        if (content.error() != null) {
            return "(" + content.error() + ")";
        }
        byte[] bytes = content.bytes();
        String start = new String(bytes, 0, Math.min(bytes.length, 40), StandardCharsets.ISO_8859_1);
        return bytes.length + " bytes sha256:" + sha256(bytes) + " \"" + start + "\"";
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int commonPrefix(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private static String preview(String value, int from) {
        StringBuilder visible = new StringBuilder(from > 0 ? "..." : "");
        for (int i = from; i < value.length() && visible.length() < PREVIEW; i++) {
            char c = value.charAt(i);
            visible.append(c == '\r' ? "\\r" : c == '\n' ? "\\n" : Character.isISOControl(c) ? "." : String.valueOf(c));
        }
        return visible.length() < PREVIEW ? "\"" + visible + "\"" : "\"" + visible + "...\"";
    }
}
