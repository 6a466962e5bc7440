package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

import dev.pop3x.Pop3xConstants;
import dev.pop3x.session.Spool;
import dev.pop3x.session.SpooledMessage;
import dev.pop3x.testsupport.TestSpool;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.attachment.Attachment;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A 20 MB attachment of a file-spooled mail is read from the spool file while it is read, never copied whole into
 * the heap: the bytes this thread allocates while mapping and reading it stay far below the attachment's size.
 */
class AttachmentStreamingTest {

    private static final int ATTACHMENT_BYTES = 20 * 1024 * 1024;
    /** Parsing and decoding buffers, Strings for the headers: about 4 MB measured; a copy would be 20 MB or more. */
    private static final long ALLOCATION_BUDGET = 10 * 1024 * 1024;

    @Test
    void aLargeAttachmentIsStreamedFromTheSpoolFile() throws Exception {
        com.sun.management.ThreadMXBean threads = threadBean();
        CamelContext context = new DefaultCamelContext();
        context.start();
        try (SpooledMessage raw = spoolMailWithAttachment()) {
            assertThat(raw.inMemory()).isFalse();
            long threadId = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(threadId);

            Exchange exchange = new DefaultExchange(context);
            new MailMapper(true, new Pop3xHeaderFilterStrategy()).map(raw, exchange.getIn());
            Attachment attachment = exchange.getIn(AttachmentMessage.class).getAttachmentObject("big.bin");
            long read = 0;
            boolean allExpected = true;
            byte[] chunk = new byte[64 * 1024];
            try (InputStream in = attachment.getDataHandler().getInputStream()) {
                for (int n; (n = in.read(chunk)) > 0;) {
                    for (int i = 0; i < n; i++) {
                        allExpected &= chunk[i] == pattern(read + i);
                    }
                    read += n;
                }
            }
            long allocated = threads.getThreadAllocatedBytes(threadId) - before;

            assertThat(exchange.getIn().getHeader(Pop3xConstants.MAPPING_ERROR)).isNull();
            assertThat(exchange.getIn().getBody(String.class)).isEqualTo("see attachment");
            assertThat(attachment.getDataHandler().getContentType()).isEqualTo("application/octet-stream");
            assertThat(read).isEqualTo(ATTACHMENT_BYTES);
            assertThat(allExpected).isTrue();
            System.out.printf("20 MB attachment mapped and read with %d KiB allocated%n", allocated / 1024);
            assertThat(allocated).isLessThan(ALLOCATION_BUDGET);
        } finally {
            context.stop();
        }
    }

    private static com.sun.management.ThreadMXBean threadBean() {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter in this JVM");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        return threads;
    }

    private static byte pattern(long i) {
        return (byte) (i * 31 + (i >> 10));
    }

    /** Writes the mail through the RETR sink in slices, so the test itself never holds 20 MB either. */
    private static SpooledMessage spoolMailWithAttachment() throws IOException {
        SpooledMessage.Sink sink = new Spool(64 * 1024, TestSpool.folder()).sink(0);
        write(sink, String.join("\r\n", "Subject: big", "Content-Type: multipart/mixed; boundary=sep", "", "--sep",
                "Content-Type: text/plain", "", "see attachment", "--sep", "Content-Type: application/octet-stream",
                "Content-Disposition: attachment; filename=big.bin", "Content-Transfer-Encoding: base64", "", ""));
        Base64.Encoder mime = Base64.getMimeEncoder();
        int slice = 57 * 1024; // a multiple of 57: every slice encodes to whole 76-character lines
        byte[] bytes = new byte[slice];
        for (long offset = 0; offset < ATTACHMENT_BYTES; offset += slice) {
            int n = (int) Math.min(slice, ATTACHMENT_BYTES - offset);
            for (int i = 0; i < n; i++) {
                bytes[i] = pattern(offset + i);
            }
            sink.write(mime.encode(Arrays.copyOf(bytes, n)));
            write(sink, "\r\n");
        }
        write(sink, "--sep--\r\n");
        return sink.finish();
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
    }
}
