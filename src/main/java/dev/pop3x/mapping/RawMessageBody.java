package dev.pop3x.mapping;

import dev.pop3x.session.SpooledMessage;
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
}
