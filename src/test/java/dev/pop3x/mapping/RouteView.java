package dev.pop3x.mapping;

import java.util.Map;

/**
 * What a route sees of one mail: the decoded Subject and From, the body text and the named attachments (name to bytes,
 * or to the error opening it gave). Built once from the mapped Camel message and once by the oracle.
 */
record RouteView(String subject, String from, String body, Map<String, Content> namedParts) {

    /** An attachment's bytes, or why they could not be read. */
    record Content(byte[] bytes, String error) {
        static Content of(byte[] bytes) {
            return new Content(bytes, null);
        }

        static Content failed(Throwable e) {
            return new Content(null, "reading it threw " + e);
        }
    }
}
