package dev.pop3x.examples.etl;

import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.errorhandler.SpringTransactionErrorHandlerDefinition;

import dev.pop3x.Pop3xConstants;

/**
 * One mail = one database transaction: the UIDL is marked in the idempotent repository, the row is inserted, the PDF
 * files are written, and only then the transaction commits. Any failure rolls the row and the mark back and fails
 * the Exchange, so pop3x keeps the mail and delivers it again on a later poll; after {@code maxAttempts} failures it
 * goes to the dead letter folder. Files are removed again only when writing them fails ({@link PdfFiles}); a failed
 * commit after them leaves them, and a retry writes the same bytes over them.
 */
public class InvoiceRoutes extends RouteBuilder {

    static final String INSERT = "sql:INSERT INTO invoice_mail"
            + " (uidl, sender, subject, pdf_count, pdf_names, pdf_sizes, received_at)"
            + " VALUES (:#uidl, :#sender, :#subject, :#pdfCount, :#pdfNames, :#pdfSizes, :#receivedAt)"
            + "?dataSource=#" + EtlConfiguration.DATA_SOURCE;

    @Override
    public void configure() {
        // no redelivery inside one Exchange and no stack trace per attempt: a failure rolls back (one WARN line
        // "Transaction rollback ... caught: <reason>") and reaches pop3x, which counts the attempt and tries the mail
        // again on a later poll
        errorHandler(new SpringTransactionErrorHandlerDefinition().logExhausted(false));

        // RAW(): a user name or password is taken as it is (a '+' in it would otherwise be decoded as a space)
        from("pop3x:{{etl.pop3.host}}:{{etl.pop3.port}}"
                + "?username=RAW({{etl.pop3.username}})&password=RAW({{etl.pop3.password}})"
                + "&security={{etl.pop3.security}}"
                + "&delete=true"
                + "&maxAttempts={{etl.pop3.maxAttempts}}&poisonAction={{etl.pop3.poisonAction}}"
                + "&deadLetterUri=direct:deadLetter"
                + "&ledgerDirectory={{etl.pop3.ledgerDirectory}}"
                + "&delay={{etl.pop3.delay}}")
            .routeId("invoices")
            .transacted(EtlConfiguration.TRANSACTION_POLICY)
            .idempotentConsumer(header(Pop3xConstants.UID)).idempotentRepository(EtlConfiguration.IDEMPOTENT_REPOSITORY)
                .skipDuplicate(false)
                .choice()
                    .when(exchangeProperty(Exchange.DUPLICATE_MESSAGE).isEqualTo(true))
                        .log("Mail ${header.CamelPop3xUid} is already stored: deleted without a second row")
                    .otherwise()
                        .process(new InvoiceRow())
                        .to(INSERT)
                        .process(new PdfFiles(resolved("etl.outputFolder")))
                        .log("Mail ${header.CamelPop3xUid} from ${exchangeProperty.invoiceSender}: stored"
                                + " ${exchangeProperty.invoicePdfCount} PDF(s) ${exchangeProperty.invoicePdfNames}")
                .end()
            .end();

        // a poison mail (failed maxAttempts times): the raw mail and the reason, side by side
        from("direct:deadLetter").routeId("dead-letter")
            .log(LoggingLevel.WARN, "Mail ${header.CamelPop3xUid} failed ${header.CamelPop3xAttempt} time(s),"
                    + " saved to the dead letter folder: ${header.CamelExceptionCaught}")
            .to("file:{{etl.deadLetterFolder}}?fileName=${header.CamelPop3xUid}.eml&tempPrefix=.writing-")
            .setBody(simple("${header.CamelExceptionCaught}\n"))
            .to("file:{{etl.deadLetterFolder}}?fileName=${header.CamelPop3xUid}.error.txt&tempPrefix=.writing-");
    }

    private String resolved(String key) {
        return getContext().resolvePropertyPlaceholders("{{" + key + "}}");
    }
}
