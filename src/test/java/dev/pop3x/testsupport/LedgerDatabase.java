package dev.pop3x.testsupport;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** The JDBC ledger's database in tests: a pooled data source on a {@link PostgresExtension}, and a clean slate. */
public final class LedgerDatabase {

    private LedgerDatabase() {
    }

    /** A small HikariCP pool, as an application would configure one; close it after the test class. */
    public static HikariDataSource pooled(PostgresExtension postgres) {
        return new HikariDataSource(config(postgres.jdbcUrl(), postgres.user(), postgres.password()));
    }

    public static HikariDataSource pooled(String jdbcUrl, String user, String password) {
        return new HikariDataSource(config(jdbcUrl, user, password));
    }

    /** The configuration of {@link #pooled}, for a test that changes it. */
    public static HikariConfig config(String jdbcUrl, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(8);
        config.setPoolName("pop3x-ledger-test");
        return config;
    }

    /** Drops the ledger's tables: the next ledger to start creates them again, empty. */
    public static void dropTables(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS pop3x_ledger, pop3x_mailbox");
        }
    }
}
