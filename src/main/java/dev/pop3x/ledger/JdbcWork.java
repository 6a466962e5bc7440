package dev.pop3x.ledger;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

/**
 * Runs JDBC work on one connection of the data source, returned to it afterwards as it was lent (auto-commit as it
 * was), and turns SQL failures into IOExceptions that say what failed. The driver's message goes along;
 * the data source itself is never printed, since some print their URL and with it a password.
 */
final class JdbcWork {

    interface Work<T> {
        T run(Connection connection) throws SQLException, IOException;
    }

    private final DataSource dataSource;

    JdbcWork(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** In auto-commit mode: each statement is its own transaction (also from a pool that lends connections without). */
    <T> T autoCommit(String what, Work<T> work) throws IOException {
        try (Connection c = dataSource.getConnection()) {
            boolean lent = c.getAutoCommit();
            c.setAutoCommit(true);
            try {
                return work.run(c);
            } finally {
                restoreAutoCommit(c, lent);
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** In one transaction, rolled back when the work throws (a fenced write applies nothing). */
    <T> T transaction(String what, Work<T> work) throws IOException {
        try (Connection c = dataSource.getConnection()) {
            boolean lent = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | IOException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                restoreAutoCommit(c, lent);
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** A connection that cannot take this any more is broken, and its pool finds out: what failed before counts. */
    private static void restoreAutoCommit(Connection c, boolean lent) {
        try {
            c.setAutoCommit(lent);
        } catch (SQLException e) {
            // the connection goes back to its pool, which validates it
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e); // the connection is broken; the server rolls back when it notices
        }
    }

    private static IOException failure(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : " (SQLState " + e.getSQLState() + ")";
        return new IOException("Cannot " + what + " in the ledger database (option dataSource): " + e.getMessage()
                               + state,
                e);
    }
}
