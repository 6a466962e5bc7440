package dev.pop3x.protocol;

import java.time.Duration;
import java.util.Objects;

import javax.net.ssl.SSLContext;

/**
 * Connection settings of a {@link Pop3Client}. Holds no credentials, so it is safe to print.
 * Built with {@link #builder()}; port 0 means the default for the security mode (995 for TLS, else 110).
 */
public final class Pop3ClientOptions {

    private final String host;
    private final int port;
    private final Security security;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final SSLContext sslContext;

    private Pop3ClientOptions(Builder b) {
        this.host = b.host;
        this.security = Objects.requireNonNull(b.security, "security");
        this.port = b.port > 0 ? b.port : (security == Security.TLS ? 995 : 110);
        this.connectTimeout = Objects.requireNonNull(b.connectTimeout, "connectTimeout");
        this.readTimeout = Objects.requireNonNull(b.readTimeout, "readTimeout");
        this.sslContext = b.sslContext;
        if (port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (connectTimeout.isNegative() || readTimeout.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().host(host).port(port).security(security)
                .connectTimeout(connectTimeout).readTimeout(readTimeout).sslContext(sslContext);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public Security security() {
        return security;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    /** Null means {@code SSLContext.getDefault()}. */
    public SSLContext sslContext() {
        return sslContext;
    }

    /** Socket timeouts are int millis; 0 means "wait forever" as in java.net.Socket. */
    static int millis(Duration d) {
        long ms = d.toMillis();
        if (ms == 0 && !d.isZero()) {
            return 1; // a sub-millisecond timeout must not silently become "infinite"
        }
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }

    @Override
    public String toString() {
        return "Pop3ClientOptions[" + host + ":" + port + ", " + security + ", connectTimeout=" + connectTimeout
               + ", readTimeout=" + readTimeout + "]";
    }

    public static final class Builder {
        private String host;
        private int port;
        private Security security = Security.TLS;
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Duration readTimeout = Duration.ofSeconds(60);
        private SSLContext sslContext;

        private Builder() {
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder security(Security security) {
            this.security = security;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
            return this;
        }

        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        public Pop3ClientOptions build() {
            return new Pop3ClientOptions(this);
        }
    }
}
