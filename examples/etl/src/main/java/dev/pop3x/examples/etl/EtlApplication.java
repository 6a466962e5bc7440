package dev.pop3x.examples.etl;

import org.apache.camel.main.Main;

/**
 * Invoices by mail into files and a database. Settings: {@code application.properties}, overridden by system
 * properties ({@code -Detl.db.url=...}) or environment variables ({@code ETL_DB_URL=...}). Stops on Ctrl-C / SIGTERM.
 */
public final class EtlApplication {

    private EtlApplication() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main();
        main.configure().addConfiguration(EtlConfiguration.class);
        main.configure().addRoutesBuilder(new InvoiceRoutes());
        main.run(args);
    }
}
