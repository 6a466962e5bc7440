package dev.pop3x.ledger;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Objects;

import javax.sql.DataSource;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ledger in a PostgreSQL database, shared by every node that polls the same mailboxes: the {@code dataSource}
 * endpoint option, or a bean. Its tables ({@link JdbcLedgerSql}) are created at start when they are missing. Each
 * {@link #open} increments the mailbox's epoch, which is the fencing token: the holder it deposes gets a
 * {@link LedgerFencedException} at its next write or barrier, and nothing of that write is applied. A new open takes a
 * held mailbox over rather than being refused: which node may poll a mailbox is decided by leadership, not here.
 *
 * <p>Each call takes a connection from the data source and gives it back: give it a pooled one (HikariCP, or the
 * pool of the application server).
 */
public class JdbcLedger extends ServiceSupport implements Ledger {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcLedger.class);

    private final DataSource dataSource;
    private final JdbcWork db;

    public JdbcLedger(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.db = new JdbcWork(dataSource);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    protected void doStart() throws Exception {
        if (!tablesExist()) {
            createTables();
            LOG.info("Created the pop3x ledger tables pop3x_mailbox and pop3x_ledger");
        }
        String commit = db.autoCommit("read synchronous_commit", c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(JdbcLedgerSql.SYNCHRONOUS_COMMIT)) {
                return rs.next() ? rs.getString(1) : "";
            }
        });
        if ("off".equals(commit)) {
            LOG.warn("synchronous_commit is off for the pop3x ledger's database user: a crash of the database can lose"
                     + " completions that pop3x took as durable, and mails kept on the server are then delivered"
                     + " again. Set it to on for this user or database.");
        }
    }

    /** Checked first: a DBA may have created them, and the user of the data source may not be allowed to. */
    private boolean tablesExist() throws IOException {
        return db.autoCommit("check the ledger tables", c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(JdbcLedgerSql.TABLES_EXIST)) {
                return rs.next() && rs.getBoolean(1);
            }
        });
    }

    private void createTables() throws IOException {
        db.transaction("create the ledger tables", c -> {
            try (Statement s = c.createStatement()) {
                s.execute(JdbcLedgerSql.LOCK_FOR_CREATION);
                s.execute(JdbcLedgerSql.CREATE_MAILBOX_TABLE);
                s.execute(JdbcLedgerSql.CREATE_ENTRY_TABLE);
            }
            return null;
        });
    }

    @Override
    public MailboxLedger open(String mailboxKey) throws IOException {
        long[] idAndEpoch = db.autoCommit("open the ledger of mailbox " + mailboxKey, c -> {
            try (PreparedStatement ps = c.prepareStatement(JdbcLedgerSql.OPEN)) {
                ps.setString(1, mailboxKey);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new long[] { rs.getLong(1), rs.getLong(2) };
                }
            }
        });
        return new JdbcMailboxLedger(db, mailboxKey, idAndEpoch[0], idAndEpoch[1]);
    }

    /** Not the data source itself: some print their URL, and with it a password. */
    @Override
    public String toString() {
        return "JdbcLedger[" + dataSource.getClass().getSimpleName() + "]";
    }
}
