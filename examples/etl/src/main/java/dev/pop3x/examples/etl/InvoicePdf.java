package dev.pop3x.examples.etl;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.activation.DataHandler;

import org.apache.camel.attachment.Attachment;
import org.apache.camel.attachment.AttachmentMessage;

/** A PDF attachment of a mail: its file name (safe, unique within the mail), its content and size in bytes. */
record InvoicePdf(String name, DataHandler content, long size) {

    /** The PDF attachments of a mail in their order in the mail: content type application/pdf or a .pdf name. */
    static List<InvoicePdf> of(AttachmentMessage attachments) throws IOException {
        List<InvoicePdf> pdfs = new ArrayList<>();
        if (!attachments.hasAttachments()) {
            return pdfs;
        }
        for (Map.Entry<String, Attachment> e : attachments.getAttachmentObjects().entrySet()) {
            DataHandler content = e.getValue().getDataHandler();
            if (isPdf(e.getKey(), content.getContentType())) {
                pdfs.add(new InvoicePdf(fileName(e.getKey()), content, sizeOf(content)));
            }
        }
        return pdfs;
    }

    private static boolean isPdf(String name, String contentType) {
        return name.toLowerCase(Locale.ROOT).endsWith(".pdf")
                || contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/pdf");
    }

    /** pop3x already makes names safe; '/' is the separator in the row's pdf_names, so it must never remain. */
    private static String fileName(String name) {
        String safe = name.replace('/', '_').replace('\\', '_');
        return safe.startsWith(".") ? "_" + safe : safe;
    }

    /** The attachment is decoded from the mail on each read: counting costs no copy in memory. */
    private static long sizeOf(DataHandler content) throws IOException {
        try (InputStream in = content.getInputStream()) {
            return in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }
}
