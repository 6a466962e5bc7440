package dev.pop3x.mapping;

import jakarta.activation.DataSource;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMultipart;

/**
 * A multipart that accepts no parts at all (an empty multipart, or one whose start boundary never comes) instead of
 * throwing: the mail's text is then still there to read. Set per instance, because the System property
 * mail.mime.multipart.allowempty would change every other mail user in the JVM.
 */
final class LenientMultipart extends MimeMultipart {

    LenientMultipart(DataSource source) throws MessagingException {
        super(source);
    }

    @Override
    protected void initializeProperties() {
        super.initializeProperties(); // parse() calls this again: the switches must be set here, not in the constructor
        allowEmpty = true;
        ignoreMissingEndBoundary = true;
    }
}
