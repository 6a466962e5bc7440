package dev.pop3x.contract;

import org.apache.camel.CamelContext;

/** A POP3 server the contract suite runs against: how to put mail in, count it, and reach it in each security mode. */
interface ContractServer {

    void deliver(String rfc822);

    /** Messages on the server, as its own POP3 STAT says (or its store, where STAT would disturb the test). */
    int count();

    void clear();

    /** The endpoint URI (without options) for implicit TLS, or null if the server has no usable TLS here. */
    String tlsUri();

    /** The endpoint URI for STLS, or null if the server does not offer it. */
    String starttlsUri();

    /** The endpoint URI in clear text on loopback. */
    String plainUri();

    /** Beans the URIs refer to (the trust store as {@code #ssl}). */
    void bindBeans(CamelContext context);
}
