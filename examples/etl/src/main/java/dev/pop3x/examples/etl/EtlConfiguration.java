package dev.pop3x.examples.etl;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository;
import org.apache.camel.spring.spi.SpringTransactionPolicy;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.DatabasePopulatorUtils;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The database side: a connection pool for {@code etl.db.url} (H2 or PostgreSQL, chosen by the URL), the schema
 * created from {@code schema.sql} before any route starts, the transaction policy the invoice route runs in, and the
 * idempotent repository (JdbcMessageIdRepository) in the same database, so that a UIDL is marked as done in the same
 * transaction as its row.
 */
public class EtlConfiguration implements CamelConfiguration {

    static final String DATA_SOURCE = "invoiceDb";
    static final String TRANSACTION_POLICY = "invoiceTx";
    static final String IDEMPOTENT_REPOSITORY = "processedMails";

    @PropertyInject("etl.db.url")
    private String url;
    @PropertyInject("etl.db.user")
    private String user;
    @PropertyInject(value = "etl.db.password", defaultValue = "")
    private String password;
    @PropertyInject("etl.idempotentProcessorName")
    private String processorName;

    @Override
    public void configure(CamelContext camelContext) {
        DataSource dataSource = dataSource();
        DatabasePopulatorUtils.execute(new ResourceDatabasePopulator(new ClassPathResource("schema.sql")), dataSource);

        SpringTransactionPolicy required = new SpringTransactionPolicy(new DataSourceTransactionManager(dataSource));
        required.setPropagationBehaviorName("PROPAGATION_REQUIRED");

        JdbcMessageIdRepository processed = new JdbcMessageIdRepository(dataSource, processorName);
        processed.setCreateTableIfNotExists(false); // schema.sql creates it, with a primary key

        camelContext.getRegistry().bind(DATA_SOURCE, DataSource.class, dataSource);
        camelContext.getRegistry().bind(TRANSACTION_POLICY, required);
        camelContext.getRegistry().bind(IDEMPOTENT_REPOSITORY, processed);
    }

    private DataSource dataSource() {
        HikariConfig config = new HikariConfig();
        config.setPoolName("invoiceDb");
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(4); // one consumer thread; a few for the dead letter route and the repository
        return new HikariDataSource(config);
    }
}
