package dev.pop3x.testsupport;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The extension starts a real PostgreSQL that takes password logins on its port, and stops it without a trace. */
class PostgresExtensionIT {

    @RegisterExtension
    static PostgresExtension postgres = new PostgresExtension().withDatabase("selftest");

    @Test
    void serverTakesPasswordLoginsOnItsLoopbackPort() throws Exception {
        assertThat(postgres.isRunning()).isTrue();
        assertThat(postgres.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/selftest");
        String answer = postgres.psqlOverTcp(postgres.password(),
                "select current_user || ' ' || current_database() || ' ' || split_part(version(), ' ', 2)");
        assertThat(answer).startsWith("pop3x selftest 15.");
    }

    @Test
    void wrongPasswordIsRefused() {
        assertThatThrownBy(() -> postgres.psqlOverTcp("not-the-password", "select 1"))
                .hasMessageContaining("password authentication failed for user \"pop3x\"");
    }

    @Test
    void socketConnectionRunsSqlAndKeepsData() throws Exception {
        postgres.psql("create table t (id int primary key, name text not null)");
        postgres.psql("insert into t values (1, 'one'), (2, 'two')");
        assertThat(postgres.psql("select id || '=' || name from t order by id")).isEqualTo("1=one\n2=two");
        assertThat(Files.exists(postgres.socketDir().resolve(".s.PGSQL." + postgres.port()))).isTrue();
    }

    @Test
    void jdbcConnectionThroughTheDataSource() throws Exception {
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select current_user, current_database()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(postgres.user());
            assertThat(rs.getString(2)).isEqualTo("selftest");
        }
        assertThat(postgres.dataSource().toString()).doesNotContain(postgres.password());
    }

    @Test
    void stopEndsTheServerAndDeletesItsFolder() throws Exception {
        PostgresExtension other = new PostgresExtension();
        other.start();
        Path dir = other.tempDir();
        int port = other.port();
        try {
            assertThat(other.psql("select 40 + 2")).isEqualTo("42");
            assertThat(listening(port)).isTrue();
        } finally {
            other.stop();
        }
        assertThat(Files.exists(dir)).isFalse();
        assertThat(listening(port)).isFalse();
        other.stop(); // a second stop is harmless
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(PostgresExtension.IP, port), 1000);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
