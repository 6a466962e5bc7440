package dev.pop3x.examples.etl;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

import dev.pop3x.Pop3xConstants;

/**
 * Writes each PDF of a mail to {@code <outputFolder>/<UIDL>/<name>}: into a temp file first, then renamed, so a
 * reader never sees half a file and a mail delivered again overwrites its own files with the same bytes. Refuses an
 * attachment that does not start like a PDF. When writing fails, the files written in this attempt are removed again,
 * and the exception fails the Exchange (which rolls back its row). A failure after this step (the commit) does not
 * remove them: a retry writes the same bytes over them.
 */
class PdfFiles implements Processor {

    private static final byte[] PDF_MAGIC = "%PDF-".getBytes(StandardCharsets.US_ASCII);

    private final Path outputFolder;

    PdfFiles(String outputFolder) {
        this.outputFolder = Paths.get(outputFolder);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void process(Exchange exchange) throws Exception {
        List<InvoicePdf> pdfs = exchange.getProperty(InvoiceRow.PDFS, List.class);
        if (pdfs == null || pdfs.isEmpty()) {
            return;
        }
        Path mailFolder = outputFolder.resolve(exchange.getIn().getHeader(Pop3xConstants.UID, String.class));
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(mailFolder);
            for (InvoicePdf pdf : pdfs) {
                written.add(write(mailFolder, pdf));
            }
        } catch (Exception e) {
            for (Path p : written) {
                Files.deleteIfExists(p);
            }
            deleteIfEmpty(mailFolder);
            throw e;
        }
    }

    private static Path write(Path folder, InvoicePdf pdf) throws IOException {
        Path target = folder.resolve(pdf.name());
        Path tmp = folder.resolve(".writing-" + pdf.name());
        try (InputStream in = new BufferedInputStream(pdf.content().getInputStream())) {
            in.mark(PDF_MAGIC.length);
            byte[] head = in.readNBytes(PDF_MAGIC.length);
            if (!Arrays.equals(head, PDF_MAGIC)) {
                throw new InvalidPdfException("attachment " + pdf.name() + " is not a PDF (does not start with %PDF-)");
            }
            in.reset();
            long size = Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            if (size != pdf.size()) {
                throw new IOException("attachment " + pdf.name() + " changed size: " + size + " != " + pdf.size());
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void deleteIfEmpty(Path folder) {
        try (var entries = Files.list(folder)) {
            if (entries.findAny().isEmpty()) {
                Files.delete(folder);
            }
        } catch (IOException e) {
            // nothing to clean up, or not empty
        }
    }

    /** An attachment named or typed as a PDF that is not one. */
    static class InvalidPdfException extends IOException {
        InvalidPdfException(String message) {
            super(message);
        }
    }
}
