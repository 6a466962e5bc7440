package dev.pop3x.mapping;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The divergences from the oracle kept on purpose: the rows {@code | file | field | divergence | why it is kept |} of
 * the table in docs/mime-fidelity.md, keyed by file and field.
 */
final class AcceptedDivergences {

    static final Path TABLE = Path.of("docs", "mime-fidelity.md");

    private AcceptedDivergences() {
    }

    /** "file | field" of every row. */
    static Set<String> read() throws IOException {
        Set<String> rows = new LinkedHashSet<>();
        List<String> lines = Files.readAllLines(TABLE, StandardCharsets.UTF_8);
        for (String line : lines) {
            String trimmed = line.strip();
            if (!trimmed.startsWith("|")) {
                continue;
            }
            String[] cells = trimmed.substring(1).split("\\|", -1);
            if (cells.length < 4) {
                throw new IllegalStateException(TABLE + ": a row needs four cells: " + line);
            }
            String file = cell(cells[0]);
            if (file.equals("file") || file.matches(":?-+:?")) {
                continue; // the header row and the separator row
            }
            rows.add(key(file, cell(cells[1])));
        }
        return rows;
    }

    static String key(String file, String field) {
        return file + " | " + field;
    }

    private static String cell(String cell) {
        return cell.strip().replace("`", "");
    }
}
