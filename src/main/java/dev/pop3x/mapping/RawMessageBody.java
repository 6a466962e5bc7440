package dev.pop3x.mapping;

import java.io.IOException;
import java.io.InputStream;

import dev.pop3x.session.SpooledMessage;
import jakarta.mail.util.SharedByteArrayInputStream;
import jakarta.mail.util.SharedFileInputStream;
import org.apache.camel.StreamCache;
import org.apache.camel.converter.stream.FileInputStreamCache;
import org.apache.camel.converter.stream.InputStreamCache;

/** A downloaded message read in place, over its bytes in memory or its spool file, never copied. */
final class RawMessageBody {

    private RawMessageBody() {
    }

    /** The message as a re-readable Camel body. */
    static StreamCache of(SpooledMessage raw) {
        return raw.spoolFile()
                .<StreamCache> map(file -> new FileInputStreamCache(file.toFile()))
                .orElseGet(() -> new InputStreamCache(raw.bytesInMemory().orElseThrow()));
    }

    /**
     * A stream Jakarta Mail can parse without copying: parts of a MimeMessage built on it refer back into the
     * message's buffer or file instead of holding their own copy.
     */
    static InputStream sharedStream(SpooledMessage raw) throws IOException {
        if (raw.spoolFile().isPresent()) {
            return new SharedFileInputStream(raw.spoolFile().get().toFile());
        }
        return new SharedByteArrayInputStream(raw.bytesInMemory().orElseThrow());
    }
}
