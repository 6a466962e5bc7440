package dev.pop3x.examples.etl;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.attachment.AttachmentMessage;

import dev.pop3x.Pop3xConstants;

/**
 * Turns a mail into the named parameters of the row insert (the body, a Map) and remembers its PDFs for
 * {@link PdfFiles}. Names and sizes are listed in the mail's order, separated by {@code /} (never part of a name).
 */
class InvoiceRow implements Processor {

    static final String PDFS = "invoicePdfs";

    @Override
    public void process(Exchange exchange) throws Exception {
        Message in = exchange.getIn();
        List<InvoicePdf> pdfs = InvoicePdf.of(exchange.getIn(AttachmentMessage.class));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("uidl", in.getHeader(Pop3xConstants.UID, String.class));
        row.put("sender", senderAddress(in.getHeader("From", String.class))); // none: NOT NULL fails the insert
        row.put("subject", in.getHeader("Subject", String.class));
        row.put("pdfCount", pdfs.size());
        row.put("pdfNames", pdfs.stream().map(InvoicePdf::name).collect(Collectors.joining("/")));
        row.put("pdfSizes", pdfs.stream().map(p -> Long.toString(p.size())).collect(Collectors.joining("/")));
        long firstSeen = in.getHeader(Pop3xConstants.FIRST_SEEN, System.currentTimeMillis(), Long.class);
        row.put("receivedAt", OffsetDateTime.ofInstant(Instant.ofEpochMilli(firstSeen), ZoneOffset.UTC));
        exchange.setProperty(PDFS, pdfs);
        // for the route's log line
        exchange.setProperty("invoiceSender", row.get("sender"));
        exchange.setProperty("invoicePdfCount", row.get("pdfCount"));
        exchange.setProperty("invoicePdfNames", row.get("pdfNames"));
        in.setBody(row);
    }

    /** The address alone ({@code billing@acme.example} of {@code "Acme" <billing@acme.example>}); as is if unparsable. */
    static String senderAddress(String from) {
        if (from == null || from.isBlank()) {
            return null;
        }
        try {
            InternetAddress[] addresses = InternetAddress.parseHeader(from, false);
            return addresses.length > 0 ? addresses[0].getAddress() : from.strip();
        } catch (AddressException e) {
            return from.strip();
        }
    }
}
