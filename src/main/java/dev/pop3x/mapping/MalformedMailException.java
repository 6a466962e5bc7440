package dev.pop3x.mapping;

/** A mail whose structure cannot be mapped (nested too deeply, say): it is then delivered raw, with the reason. */
final class MalformedMailException extends Exception {

    private static final long serialVersionUID = 1L;

    MalformedMailException(String message) {
        super(message);
    }
}
