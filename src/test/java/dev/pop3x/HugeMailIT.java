package dev.pop3x;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.pop3x.testsupport.ChildJvm;
import dev.pop3x.testsupport.DovecotExtension;
import dev.pop3x.testsupport.Pop3TestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A 100 MB mail through a consumer JVM with a 64 MB heap, against a real Dovecot: it is spooled to disk, never held
 * whole in heap, and the route reads every byte (checked by size and SHA-256), raw and as a mapped attachment.
 */
class HugeMailIT {

    private static final int MB = 1024 * 1024;

    @RegisterExtension
    static DovecotExtension dovecot = new DovecotExtension();

    @TempDir
    Path dir;

    private Process consumer;

    @AfterEach
    void stop() throws InterruptedException {
        if (consumer != null) {
            consumer.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    /** Base64 lines of 76 characters: what a mail client would send for an attachment. */
    private static byte[] base64Lines(byte[] data) {
        return Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encode(data);
    }

    private String consume(String mode) throws Exception {
        Path result = dir.resolve("result-" + mode);
        Path log = dir.resolve("consumer-" + mode + ".log");
        consumer = ChildJvm.start(List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError"), HugeMailConsumer.class, log,
                String.valueOf(dovecot.pop3Port()), dir.resolve("ledger-" + mode).toString(), result.toString(), mode);
        await().atMost(Duration.ofSeconds(120))
                .until(() -> Files.exists(result) && serverCount() == 0 || !consumer.isAlive());
        assertThat(consumer.isAlive()).as("consumer JVM died: %s", Files.readString(log)).isTrue();
        return Files.readString(result);
    }

    private static int serverCount() {
        return Pop3TestClient.countMessages("127.0.0.1", dovecot.pop3Port(), DovecotExtension.USER,
                DovecotExtension.PASSWORD);
    }

    @Test
    void a100MbMailIsReadWholeByARouteInA64MbHeap() throws Exception {
        dovecot.clearMailbox();
        byte[] body = base64Lines(randomBytes(75 * MB)); // about 100 MB on the wire
        ByteArrayOutputStream mail = new ByteArrayOutputStream(body.length + 1024);
        mail.write("From: a@example.com\r\nSubject: huge\r\nMessage-ID: <huge@example.com>\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        mail.write(body);
        mail.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] raw = mail.toByteArray();
        assertThat(raw.length).isGreaterThan(100 * MB);
        dovecot.deliver(raw);

        assertThat(consume("raw")).isEqualTo(raw.length + " " + sha256(raw));
    }

    @Test
    void a100MbAttachmentIsMappedAndStreamedInA64MbHeap() throws Exception {
        dovecot.clearMailbox();
        byte[] attachment = randomBytes(75 * MB);
        ByteArrayOutputStream mail = new ByteArrayOutputStream(101 * MB);
        mail.write(("From: a@example.com\r\nSubject: huge attachment\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
                    + "see attached\r\n--b\r\nContent-Type: application/octet-stream; name=\"big.bin\"\r\n"
                    + "Content-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        mail.write(base64Lines(attachment));
        mail.write("\r\n--b--\r\n".getBytes(StandardCharsets.US_ASCII));
        dovecot.deliver(mail.toByteArray());

        assertThat(consume("mapped")).isEqualTo(attachment.length + " " + sha256(attachment));
    }

    private static byte[] randomBytes(int size) {
        byte[] data = new byte[size];
        new Random(42).nextBytes(data);
        return data;
    }

}
