package dev.pop3x.mapping;

import java.util.Map;
import java.util.Set;

/**
 * What a route sees of one mail: the decoded Subject and From, the body text and the attachments (name to bytes, or to
 * the error opening it gave), with the names of those that are named in the mail. Built once from the mapped Camel
 * message and once by the oracle (which keeps only the named ones).
 */
record RouteView(String subject, String from, String body, Map<String, Content> parts, Set<String> named) {

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
