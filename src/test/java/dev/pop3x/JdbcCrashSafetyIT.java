package dev.pop3x;

import java.sql.SQLException;
import java.util.List;

import dev.pop3x.testsupport.LedgerDatabase;
import dev.pop3x.testsupport.PostgresExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link CrashSafetyIT} with the ledger in PostgreSQL ({@code dataSource}): the restarted consumer is a new holder with
 * a new epoch, takes the claims the killed one left over at once, and still loses nothing and delivers at most the
 * mail in flight twice.
 */
class JdbcCrashSafetyIT extends CrashSafetyIT {

    @RegisterExtension
    static PostgresExtension postgres = new PostgresExtension().withDatabase("crash");

    @BeforeEach
    void emptyLedger() throws SQLException {
        LedgerDatabase.dropTables(postgres.pool());
    }

    @Override
    String ledgerOptions() {
        return "dataSource=#pg&";
    }

    @Override
    List<String> ledgerJvmOptions() {
        return List.of("-D" + CrashTestConsumer.JDBC_URL + "=" + postgres.jdbcUrl(),
                "-D" + CrashTestConsumer.JDBC_USER + "=" + postgres.user(),
                "-D" + CrashTestConsumer.JDBC_PASSWORD + "=" + postgres.password());
    }
}
