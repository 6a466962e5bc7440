package dev.pop3x.ledger;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/** A {@link LedgerEntry} as a row of {@code pop3x_ledger}, in the column order of {@link JdbcLedgerSql}. */
final class LedgerRows {

    private LedgerRows() {
    }

    /** The entry whose columns start at {@code first}. */
    static LedgerEntry read(ResultSet rs, int first) throws SQLException {
        return new LedgerEntry(rs.getString(first), MessageState.valueOf(rs.getString(first + 1)),
                rs.getInt(first + 2), rs.getLong(first + 3), rs.getLong(first + 4), rs.getString(first + 5),
                rs.getLong(first + 6), rs.getString(first + 7), rs.getLong(first + 8));
    }

    /** Every row of a query selecting the entry columns, by UIDL. */
    static Map<String, LedgerEntry> readAll(PreparedStatement query) throws SQLException {
        Map<String, LedgerEntry> entries = new HashMap<>();
        try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                LedgerEntry e = read(rs, 1);
                entries.put(e.uid(), e);
            }
        }
        return entries;
    }

    /** The fields from state on, from parameter {@code first}; returns the next parameter's index. */
    static int bindFields(PreparedStatement ps, int first, LedgerEntry e) throws SQLException {
        int i = first;
        ps.setString(i++, e.state().name());
        ps.setInt(i++, e.attempts());
        ps.setLong(i++, e.firstSeen());
        ps.setLong(i++, e.completedAt());
        setText(ps, i++, e.claimOwner());
        ps.setLong(i++, e.claimedAt());
        setText(ps, i++, e.lastError());
        ps.setLong(i++, e.version());
        return i;
    }

    /** One round trip for any number of UIDLs ({@code = ANY (?)}). */
    static Array textArray(Connection c, Collection<String> values) throws SQLException {
        return c.createArrayOf("text", values.toArray());
    }

    private static void setText(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }
}
