package dev.pop3x;

import java.nio.file.Path;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Mails above spoolThreshold are spooled where Camel spools its stream caches, when that is configured. */
class SpoolDirectoryTest {

    private static final String URI = "pop3x:mail.example.com?username=alice&password=secret";

    private final CamelContext context = new DefaultCamelContext();

    @TempDir
    Path temp;

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void camelsStreamCacheSpoolDirectoryWhenItsSpoolingIsOn() {
        context.getStreamCachingStrategy().setSpoolEnabled(true);
        context.getStreamCachingStrategy().setSpoolDirectory(temp.toFile());
        context.start();
        assertThat(context.getEndpoint(URI, Pop3xEndpoint.class).spoolDirectory()).isEqualTo(temp);
    }

    @Test
    void theJvmTempDirectoryOtherwise() {
        context.getStreamCachingStrategy().setSpoolDirectory(temp.toFile()); // not used: spooling is off
        context.start();
        assertThat(context.getEndpoint(URI, Pop3xEndpoint.class).spoolDirectory())
                .isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
    }
}
