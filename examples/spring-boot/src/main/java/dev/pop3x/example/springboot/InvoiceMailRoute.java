package dev.pop3x.example.springboot;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * Polls the mailbox. The URI names only the server, the login and the poll interval; what happens to each mail on the
 * server (delete, maxAttempts, deleteAfter, the ledger directory) comes from camel.component.pop3x.* in
 * application.properties.
 */
@Component
public class InvoiceMailRoute extends RouteBuilder {

    @Override
    public void configure() {
        from("pop3x:{{mailbox.host}}:{{mailbox.port}}"
             + "?username=RAW({{mailbox.username}})&password=RAW({{mailbox.password}})"
             + "&security={{mailbox.security}}&delay={{mailbox.poll-delay}}")
                .routeId("invoice-mails")
                .log("Received mail ${header.CamelPop3xUid} (attempt ${header.CamelPop3xAttempt}): ${header.Subject}")
                .bean(InvoiceMails.class, "invoiceNumber")
                .log("Processed invoice ${body}");
    }
}
