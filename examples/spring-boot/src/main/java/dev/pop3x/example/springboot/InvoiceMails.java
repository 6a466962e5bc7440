package dev.pop3x.example.springboot;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.Header;

/** What the route does with a mail: finds the invoice number in its subject, or fails on the mail. */
public final class InvoiceMails {

    private static final Pattern INVOICE = Pattern.compile("\\bInvoice\\s+(\\d+)\\b", Pattern.CASE_INSENSITIVE);

    private InvoiceMails() {
    }

    /**
     * @throws IllegalArgumentException when the subject names no invoice: the route fails, the mail stays on the server
     *                                  and comes again on the next poll, until camel.component.pop3x.max-attempts
     */
    public static String invoiceNumber(@Header("Subject") String subject) {
        Matcher matcher = INVOICE.matcher(subject == null ? "" : subject);
        if (!matcher.find()) {
            throw new IllegalArgumentException("No invoice number in the subject");
        }
        return matcher.group(1);
    }
}
