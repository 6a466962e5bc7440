package dev.pop3x;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import dev.pop3x.testsupport.DovecotExtension;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mails above spoolThreshold are downloaded into spool files. Each file must go when its Exchange is done with, whether
 * the route succeeded or failed: a consumer that polls all day must not fill the disk.
 */
class SpoolFilesIT extends DovecotRouteTestSupport {

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    @TempDir
    Path spool;

    /** Spool files seen inside the route, and between polls. */
    private final List<Integer> inRoute = new CopyOnWriteArrayList<>();
    private final List<Integer> atPollEnds = new CopyOnWriteArrayList<>();

    @Override
    DovecotExtension dovecot() {
        return dovecot;
    }

    @Override
    void bindBeans(CamelContext context) {
        super.bindBeans(context);
        // the consumer spools where Camel's stream cache spools, when that is on
        context.getStreamCachingStrategy().setSpoolEnabled(true);
        context.getStreamCachingStrategy().setSpoolDirectory(spool.toFile());
    }

    @Test
    void theSpoolFileOfEachMailIsGoneOnceTheRouteIsDoneWithIt() throws Exception {
        for (int i = 1; i <= 3; i++) {
            dovecot.deliver(mail("big-" + i, "x".repeat(8000)));
        }
        start(plainUri(dovecot.pop3Port(), "delete=true&spoolThreshold=1024"), (rb, from) -> from.process(e -> {
            inRoute.add(spoolFiles());
            assertThat(e.getIn().getBody(String.class)).contains("x".repeat(8000));
            received.add(e);
        }));
        polls.atEachPollEnd(() -> atPollEnds.add(spoolFiles()));

        awaitUntil(() -> received.size() == 3 && serverCount() == 0);
        awaitPolls(2);
        assertThat(inRoute).hasSize(3).allSatisfy(n -> assertThat(n).isPositive()); // they were spooled
        assertThat(atPollEnds).isNotEmpty().containsOnly(0);
        assertThat(spoolFiles()).isZero();
    }

    @Test
    void aFailingRouteLeavesTheMailOnTheServerAndNoSpoolFile() throws Exception {
        dovecot.deliver(mail("refused", "y".repeat(8000)));
        start(plainUri(dovecot.pop3Port(), "delete=true&spoolThreshold=1024&maxAttempts=0"),
                (rb, from) -> from.process(e -> {
                    inRoute.add(spoolFiles());
                    throw new IllegalStateException("the route refuses every mail");
                }));
        polls.atEachPollEnd(() -> atPollEnds.add(spoolFiles()));

        awaitUntil(() -> inRoute.size() >= 3); // downloaded again at each poll, and failed each time
        awaitPolls(2);
        assertThat(inRoute).allSatisfy(n -> assertThat(n).isPositive());
        assertThat(atPollEnds).isNotEmpty().containsOnly(0);
        assertThat(serverCount()).isEqualTo(1);
    }

    private int spoolFiles() {
        try (Stream<Path> files = Files.list(spool)) {
            return (int) files.filter(f -> f.getFileName().toString().startsWith("pop3x-")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
