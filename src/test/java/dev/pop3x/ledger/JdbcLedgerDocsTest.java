package dev.pop3x.ledger;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The DDL that docs/jdbc-ledger.md gives DBAs is the DDL the ledger runs. */
class JdbcLedgerDocsTest {

    @Test
    void theDocumentedTablesAreTheOnesTheLedgerCreates() throws Exception {
        String page = Files.readString(Path.of("docs/jdbc-ledger.md"));
        assertThat(page).contains(JdbcLedgerSql.CREATE_MAILBOX_TABLE + ";\n")
                .contains(JdbcLedgerSql.CREATE_ENTRY_TABLE + ";\n");
    }
}
