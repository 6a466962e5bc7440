package dev.pop3x.protocol;

/** How the connection is protected. URI values {@code tls|starttls|none}. */
public enum Security {
    /** Implicit TLS from the first byte (pop3s, usually port 995). */
    TLS,
    /** Plain connect, then STLS (RFC 2595); fail if the server does not offer it. */
    STARTTLS,
    /** Plaintext: explicit opt-in only. */
    NONE
}
