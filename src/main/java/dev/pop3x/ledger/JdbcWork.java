package dev.pop3x.ledger;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

/**
 * Runs JDBC work on one connection of the data source, returned to it afterwards (a pool gets it back as it lent it:
 * auto-commit on), and turns SQL failures into IOExceptions that say what failed. The driver's message goes along;
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

    /** In auto-commit mode: each statement is its own transaction. */
    <T> T autoCommit(String what, Work<T> work) throws IOException {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** In one transaction, rolled back when the work throws (a fenced write applies nothing). */
    <T> T transaction(String what, Work<T> work) throws IOException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | IOException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(what, e);
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
