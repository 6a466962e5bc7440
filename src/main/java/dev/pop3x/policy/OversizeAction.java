package dev.pop3x.policy;

/** What happens to a mail whose LIST size exceeds {@code maxMessageSize}. */
public enum OversizeAction {
    /** Leave it on the server and never deliver it. */
    SKIP,
    /** Deliver only its header ({@code TOP n 0}), marked {@code CamelPop3xTruncated=true}; it is never deleted for it. */
    HEADERS,
    /** Delete it without delivering it. */
    DELETE
}
