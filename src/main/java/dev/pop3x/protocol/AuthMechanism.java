package dev.pop3x.protocol;

/** Login method. {@link #AUTO} is resolved by the caller from the server's capabilities, never by the client. */
public enum AuthMechanism {
    AUTO, USER, APOP, PLAIN, LOGIN, XOAUTH2
}
