package dev.pop3x.ledger;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lines of a file ledger. Format 2 starts with the line {@value #HEADER} (written by compaction); each change is
 * one tab-separated line {@code uid state attempts firstSeen completedAt claimOwner claimedAt lastError version}
 * ({@code -} for an absent owner or error), or {@code uid -} for a removal. Format 1 (releases before the version)
 * has no header and no version field: its entries are read as version 1, and the next compaction rewrites the file
 * in format 2. UIDLs are printable ASCII without spaces (RFC 1939) and error texts are stored on one line without
 * tabs, so a tab never occurs inside a field.
 */
final class LedgerFileFormat {

    static final String HEADER = "#pop3x-ledger 2";

    private static final Logger LOG = LoggerFactory.getLogger(LedgerFileFormat.class);
    private static final String HEADER_PREFIX = "#pop3x-ledger ";
    private static final String ABSENT = "-";
    private static final int FORMAT_1_FIELDS = 8;
    private static final int FORMAT_2_FIELDS = 9;

    private LedgerFileFormat() {
    }

    /** The live entries of a ledger file, in the order first written; empty if there is no file. */
    static Map<String, LedgerEntry> read(Path file) throws IOException {
        Map<String, LedgerEntry> entries = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return entries;
        }
        byte[] content = Files.readAllBytes(file);
        int end = content.length;
        // a last line without its newline was torn by a crash: it was never acknowledged
        while (end > 0 && content[end - 1] != '\n') {
            end--;
        }
        try (BufferedReader reader = new BufferedReader(
                new StringReader(new String(content, 0, end, StandardCharsets.UTF_8)))) {
            String line = reader.readLine();
            int fields = FORMAT_1_FIELDS;
            int number = 1;
            if (line != null && line.startsWith(HEADER_PREFIX)) {
                if (!line.equals(HEADER)) {
                    throw new IOException("The ledger " + file + " was written in format '" + line
                                          + "' by a newer release; this release reads '" + HEADER + "' and older");
                }
                fields = FORMAT_2_FIELDS;
                line = reader.readLine();
                number++;
            }
            for (; line != null; line = reader.readLine(), number++) {
                String[] f = line.split("\t", -1);
                try {
                    if (f.length == 2 && ABSENT.equals(f[1])) {
                        entries.remove(f[0]);
                    } else {
                        LedgerEntry e = parse(f, fields);
                        entries.put(e.uid(), e);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("Ignoring unreadable line {} of ledger {}: {}", number, file, e.getMessage());
                }
            }
        }
        return entries;
    }

    /** The line of one change: the new entry, or a removal. */
    static String line(String uid, LedgerEntry entry) {
        return appendLine(new StringBuilder(100), uid, entry).toString();
    }

    /**
     * Appends the line of one change to {@code lines}: the ledger writes three lines per mail (claim, completion,
     * deletion), so it builds them in one reused builder rather than a String each.
     */
    static StringBuilder appendLine(StringBuilder lines, String uid, LedgerEntry entry) {
        if (entry == null) {
            return lines.append(uid).append('\t').append(ABSENT).append('\n');
        }
        // append calls, not +: string concatenation bootstraps call sites, which a cold JVM pays for on every poll
        return lines.append(entry.uid()).append('\t').append(entry.state().name()).append('\t')
                .append(entry.attempts()).append('\t').append(entry.firstSeen()).append('\t')
                .append(entry.completedAt()).append('\t').append(orAbsent(entry.claimOwner())).append('\t')
                .append(entry.claimedAt()).append('\t').append(orAbsent(entry.lastError())).append('\t')
                .append(entry.version()).append('\n');
    }

    private static LedgerEntry parse(String[] f, int fields) {
        if (f.length != fields) {
            throw new IllegalArgumentException("expected " + fields + " fields, found " + f.length);
        }
        long version = fields == FORMAT_2_FIELDS ? Long.parseLong(f[8]) : 1;
        return new LedgerEntry(f[0], MessageState.valueOf(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4]), absentAsNull(f[5]), Long.parseLong(f[6]), absentAsNull(f[7]), version);
    }

    private static String orAbsent(String value) {
        return value == null || value.isEmpty() ? ABSENT : value;
    }

    private static String absentAsNull(String value) {
        return ABSENT.equals(value) ? null : value;
    }
}
