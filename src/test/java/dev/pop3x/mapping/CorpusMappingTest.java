package dev.pop3x.mapping;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import dev.pop3x.Pop3xConstants;
import dev.pop3x.session.SpooledMessage;
import dev.pop3x.testsupport.SharedCorpus;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Maps every message of the shared real-world corpus (read in place, never copied into the project): nothing may
 * escape, nothing may hang, and a mail that announces an attachment must yield one or say why not.
 */
class CorpusMappingTest {

    private static final Duration LIMIT = Duration.ofSeconds(5);
    /** "Content-Disposition: attachment" followed (possibly folded) by a filename parameter. */
    private static final Pattern ANNOUNCED_ATTACHMENT = Pattern.compile(
            "content-disposition:\\s*attachment\\s*;[^\\r\\n]*(?:\\r?\\n[ \\t][^\\r\\n]*)*filename",
            Pattern.CASE_INSENSITIVE);

    @Test
    void mapsEveryCorpusMessage() throws Exception {
        Path corpus = SharedCorpus.folder();
        List<Path> files = SharedCorpus.mails();
        assertThat(files).isNotEmpty();

        CamelContext context = new DefaultCamelContext();
        context.start();
        MailMapper mapper = new MailMapper(true, new Pop3xHeaderFilterStrategy());
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "corpus-mapping");
            t.setDaemon(true); // a hung mapping must not keep the JVM alive
            return t;
        });
        int clean = 0;
        List<String> errors = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        try {
            for (Path file : files) {
                String name = corpus.relativize(file).toString();
                byte[] raw = Files.readAllBytes(file);
                Exchange exchange = new DefaultExchange(context);
                Future<?> mapping = pool.submit(() -> mapper.map(SpooledMessage.of(raw), exchange.getIn()));
                try {
                    mapping.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    mapping.cancel(true);
                    failures.add(name + ": mapping took longer than " + LIMIT);
                    continue;
                } catch (ExecutionException e) {
                    failures.add(name + ": exception escaped: " + e.getCause());
                    continue;
                }
                String error = exchange.getIn().getHeader(Pop3xConstants.MAPPING_ERROR, String.class);
                if (exchange.getIn().getBody() == null) {
                    failures.add(name + ": null body");
                }
                boolean hasAttachments = exchange.getIn(AttachmentMessage.class).hasAttachments();
                if (announcesAttachment(raw) && !hasAttachments && error == null) {
                    failures.add(name + ": announces an attachment, none mapped and no mapping error");
                }
                if (error != null) {
                    errors.add(name + " -> " + error);
                } else {
                    clean++;
                }
            }
        } finally {
            pool.shutdownNow();
            context.stop();
        }
        System.out.printf("Corpus %s: %d messages, %d mapped cleanly, %d with %s%n",
                corpus, files.size(), clean, errors.size(), Pop3xConstants.MAPPING_ERROR);
        errors.forEach(e -> System.out.println("  mapping error: " + e));
        failures.forEach(f -> System.out.println("  FAILED: " + f));
        assertThat(failures).isEmpty();
    }

    private static boolean announcesAttachment(byte[] raw) throws IOException {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        return text.toLowerCase(Locale.ROOT).contains("content-disposition: attachment")
               && ANNOUNCED_ATTACHMENT.matcher(text).find();
    }
}
