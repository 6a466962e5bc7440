package dev.pop3x;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;

import org.apache.camel.CamelContext;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * The consumer JVM of {@link HugeMailIT}, started with a small heap: it consumes one huge mail and writes the size
 * and SHA-256 of what the route read (the raw message, or with {@code mapped} the one attachment) to a file.
 *
 * <p>Arguments: POP3 port on 127.0.0.1, ledger directory, result file, {@code raw} or {@code mapped}.
 */
public final class HugeMailConsumer {

    private HugeMailConsumer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path result = Paths.get(args[2]);
        boolean mapped = "mapped".equals(args[3]);
        CamelContext context = new DefaultCamelContext();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("pop3x:127.0.0.1:" + port + "?security=none&username=alice&password=secret&delete=true"
                     + "&initialDelay=0&delay=100&mapMailMessage=" + mapped + "&ledgerDirectory=" + args[1])
                        .process(e -> {
                            InputStream in = mapped
                                    ? e.getIn(AttachmentMessage.class).getAttachments().values().iterator().next()
                                            .getInputStream()
                                    : e.getIn().getMandatoryBody(InputStream.class);
                            MessageDigest sha = MessageDigest.getInstance("SHA-256");
                            long size = 0;
                            byte[] buf = new byte[65536];
                            try (InputStream body = in) {
                                for (int n = body.read(buf); n >= 0; n = body.read(buf)) {
                                    sha.update(buf, 0, n);
                                    size += n;
                                }
                            }
                            Files.writeString(result, size + " " + HexFormat.of().formatHex(sha.digest()),
                                    StandardCharsets.US_ASCII);
                        });
            }
        });
        context.start();
        new CountDownLatch(1).await(); // until the test stops it
    }
}
