package dev.pop3x;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

import javax.sql.DataSource;

import dev.pop3x.ledger.Ledger;
import dev.pop3x.policy.OversizeAction;
import dev.pop3x.policy.PoisonAction;
import dev.pop3x.protocol.AuthMechanism;
import dev.pop3x.protocol.Security;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.jsse.SSLContextParameters;

/**
 * The options of a {@code pop3x:} endpoint.
 */
@UriParams
public class Pop3xConfiguration implements Cloneable {

    @UriPath(description = "Host name of the POP3 server.")
    @Metadata(required = true)
    private String host;

    @UriPath(description = "Port of the POP3 server. Defaults to 995 with security=tls, otherwise 110.")
    private int port;

    @UriParam(label = "security", secret = true, description = "Name of the mailbox user.")
    @Metadata(required = true)
    private String username;

    @UriParam(label = "security", secret = true,
              description = "Password of the mailbox user. Never logged; masked in endpoint URIs.")
    private String password;

    @UriParam(label = "security", defaultValue = "tls", enums = "tls,starttls,none",
              description = "How the connection is protected: tls = implicit TLS (port 995), starttls = plain connection upgraded"
                            + " with STLS, which the server must offer, none = no encryption (explicit opt-in; logs a warning).")
    private Security security = Security.TLS;

    @UriParam(label = "security", defaultValue = "false",
              description = "With security=none, allow sending the password in clear to a host that is not the loopback address.")
    private boolean allowPlaintextAuth;

    @UriParam(label = "security",
              description = "Camel SSLContextParameters (trust store, client certificate) used for TLS and STLS. Defaults to"
                            + " the JVM's trust store. Server certificates and host names are always verified.")
    private SSLContextParameters sslContextParameters;

    @UriParam(label = "security", defaultValue = "auto", enums = "auto,user,apop,plain,login,xoauth2",
              description = "How to log in: auto = the strongest the server offers (SASL PLAIN, then LOGIN, then USER/PASS),"
                            + " or one of user, apop, plain, login, xoauth2 (needs accessTokenProvider).")
    private AuthMechanism authMechanism = AuthMechanism.AUTO;

    @UriParam(label = "security",
              description = "Bean that supplies a fresh OAuth2 access token at every connect; required with authMechanism=xoauth2.")
    private AccessTokenProvider accessTokenProvider;

    @UriParam(label = "security", defaultValue = "true",
              description = "With authMechanism=xoauth2: true sends the token on the AUTH line (the one-line form Gmail"
                            + " uses); false sends AUTH XOAUTH2 alone and the token after the server's challenge (the"
                            + " two-line form Microsoft 365 requires).")
    private boolean xoauth2InitialResponse = true;

    @UriParam(label = "advanced", defaultValue = "30000", javaType = "java.time.Duration",
              description = "How long to wait for the TCP connection to the server.")
    private long connectTimeout = 30_000;

    @UriParam(label = "advanced", defaultValue = "60000", javaType = "java.time.Duration",
              description = "How long to wait for any answer of the server before the poll is abandoned.")
    private long readTimeout = 60_000;

    @UriParam(label = "consumer", defaultValue = "false",
              description = "After an Exchange completes successfully, delete the message on the server. With false the"
                            + " message stays on the server and the ledger makes sure it is never delivered again.")
    private boolean delete;

    @UriParam(label = "consumer", javaType = "java.time.Duration",
              description = "With delete=false: delete a message once this long has passed since it was first completed"
                            + " successfully (e.g. 14d, 12h, 30s): leave mail on the server for at most this long. Unset = keep forever.")
    private long deleteAfter;

    @UriParam(label = "consumer", defaultValue = "3",
              description = "How many times a message may fail in the route, counted across polls and restarts, before it is"
                            + " poison. 0 = retry forever. A route's own redeliveries inside one Exchange count as one attempt.")
    private int maxAttempts = 3;

    @UriParam(label = "consumer", defaultValue = "keep", enums = "keep,delete",
              description = "What happens to a poison message (one that failed maxAttempts times), after the dead letter"
                            + " endpoint got it: keep = leave it on the server and never deliver it again, delete = delete it.")
    private PoisonAction poisonAction = PoisonAction.KEEP;

    @UriParam(label = "consumer",
              description = "Endpoint that receives a poison message once, before poisonAction is applied: the raw RFC 822"
                            + " message as body, its mail headers, CamelPop3xUid, CamelPop3xAttempt and CamelExceptionCaught"
                            + " (the last failure's text).")
    private String deadLetterUri;

    @UriParam(label = "consumer", defaultValue = "0",
              description = "Messages whose LIST size exceeds this many bytes are not downloaded whole (see oversizeAction);"
                            + " 0 = no limit.")
    private long maxMessageSize;

    @UriParam(label = "consumer", defaultValue = "skip", enums = "skip,headers,delete",
              description = "For messages larger than maxMessageSize: skip = leave on the server and never deliver,"
                            + " headers = deliver the header only (TOP n 0) with CamelPop3xTruncated=true and never delete it"
                            + " for that, delete = delete without delivering.")
    private OversizeAction oversizeAction = OversizeAction.SKIP;

    @UriParam(label = "consumer", defaultValue = "0",
              description = "Stop taking messages in a poll once this many bytes (by LIST size) are taken; at least one"
                            + " message is always taken. 0 = no limit.")
    private long maxBytesPerPoll;

    @UriParam(label = "consumer", defaultValue = "0",
              description = "Send QUIT (which is what makes DELE final) and reconnect after this many deletes in one poll,"
                            + " so a dropped connection loses at most this many deletes (they are re-applied on the next"
                            + " poll, never redelivered). 0 = once at the end of the poll.")
    private int commitEvery;

    @UriParam(label = "consumer", defaultValue = "1800000", javaType = "java.time.Duration",
              description = "An in-flight claim older than this (left by a stuck route or a node of a shared ledger that"
                            + " died) expires and the message is delivered again.")
    private long claimTimeout = 30 * 60_000L;

    @UriParam(label = "consumer", description = "The ledger that records what happened to each message, by UIDL: a bean"
                                                + " implementing dev.pop3x.ledger.Ledger. Defaults to a file ledger in ledgerDirectory.")
    private Ledger ledger;

    @UriParam(label = "consumer",
              description = "A javax.sql.DataSource bean (a PostgreSQL database, best pooled): the ledger is kept in that"
                            + " database, shared by every node polling the mailbox, instead of in a file (ledgerDirectory"
                            + " is then not used). Its tables pop3x_mailbox and pop3x_ledger are created if missing; each"
                            + " start takes the mailbox over with a new fencing epoch, and writes of an earlier holder"
                            + " are refused. Cannot be combined with ledger. Needs the PostgreSQL JDBC driver.")
    private DataSource dataSource;

    @UriParam(label = "consumer", defaultValue = "${user.home}/.camel-pop3x",
              description = "Directory of the default file ledger: one file per user@host:port.")
    private String ledgerDirectory;

    @UriParam(label = "consumer", defaultValue = "false",
              description = "Poll only while this node is the leader of this mailbox in Camel's cluster service (a"
                            + " CamelClusterService: Kubernetes lease, ZooKeeper, file lock, ...): the other nodes stand"
                            + " by, and one of them takes over when the leader stops or dies. The ledger is opened when"
                            + " leadership is gained; all nodes must share it (dataSource, or a ledgerDirectory on one"
                            + " host).")
    private boolean clustered;

    @UriParam(label = "consumer",
              description = "With clustered=true: the CamelClusterService that elects the leader. Defaults to the one"
                            + " cluster service of the CamelContext (an error when it has none, or several).")
    private CamelClusterService clusterService;

    @UriParam(label = "consumer", defaultValue = "true",
              description = "true: the body is the mail's text (text/plain preferred, else text/html) and attachments are"
                            + " Camel attachments; false: the body is the raw RFC 822 message as a stream.")
    private boolean mapMailMessage = true;

    @UriParam(label = "consumer", defaultValue = "false",
              description = "With mapMailMessage=true: also offer the attachments inside an attached or forwarded mail"
                            + " (a message/rfc822 part) as attachments of the Exchange, after the attached mail itself"
                            + " (which stays an attachment, e.g. message.eml). false: only the attached mail.")
    private boolean attachedMessageParts;

    @UriParam(label = "consumer", defaultValue = "0",
              description = "Deliver at most this many messages per poll, oldest first; 0 = no limit.")
    private int maxMessagesPerPoll;

    @UriParam(label = "advanced", defaultValue = "true",
              description = "Send commands in windows when the server announces PIPELINING (RFC 2449): one round trip for"
                            + " many RETR/DELE instead of one each, which is what makes remote mailboxes fast. Delivery"
                            + " semantics are the same either way; false sends one command at a time.")
    private boolean pipelining = true;

    @UriParam(label = "advanced", defaultValue = "1048576",
              description = "Messages larger than this many bytes are spooled to a file instead of being held in heap: in the"
                            + " spool directory of Camel's stream caching when it is enabled with one, else in the JVM's"
                            + " temp directory. The file (its name starts with pop3x-) is removed once the route is done with the mail,"
                            + " whether it succeeded or failed; a JVM killed in the middle of a mail leaves it behind.")
    private long spoolThreshold = 1024 * 1024;

    @UriParam(label = "advanced", defaultValue = "16",
              description = "With PIPELINING and without commitEvery, a second thread reads the next mails off the"
                            + " connection while the route handles one: at most this many downloaded mails wait for the"
                            + " route (and at most 4 MiB of them in heap; larger mails are in spool files). 0 reads each"
                            + " mail on the poll thread after the route is done with the one before.")
    private int downloadAhead = 16;

    @UriParam(label = "advanced",
              description = "Decides which mail headers become Camel headers. The default drops every header whose name"
                            + " starts with camel, and delete, copyTo and moveTo (case-insensitive).")
    private HeaderFilterStrategy headerFilterStrategy;

    /**
     * Checks the options together; throws an {@link IllegalArgumentException} that names the offending option, so a
     * wrong URI fails when the endpoint is created rather than at the first poll.
     */
    public void validate() {
        require(host != null && !host.isBlank(), "host", "is required: pop3x:host[:port]");
        require(port >= 0 && port <= 65535, "port", "must be between 1 and 65535, was " + port);
        require(username != null && !username.isBlank(), "username", "is required");
        require(connectTimeout > 0, "connectTimeout", "must be positive, was " + connectTimeout + " ms");
        require(readTimeout > 0, "readTimeout", "must be positive, was " + readTimeout + " ms");
        require(claimTimeout > 0, "claimTimeout", "must be positive, was " + claimTimeout + " ms");
        require(maxMessagesPerPoll >= 0, "maxMessagesPerPoll",
                "must be 0 (no limit) or more, was " + maxMessagesPerPoll);
        require(deleteAfter >= 0, "deleteAfter", "must not be negative");
        require(maxAttempts >= 0, "maxAttempts", "must be 0 (retry forever) or more, was " + maxAttempts);
        require(maxMessageSize >= 0, "maxMessageSize", "must be 0 (no limit) or more, was " + maxMessageSize);
        require(maxBytesPerPoll >= 0, "maxBytesPerPoll", "must be 0 (no limit) or more, was " + maxBytesPerPoll);
        require(commitEvery >= 0, "commitEvery", "must be 0 (at the end of the poll) or more, was " + commitEvery);
        require(spoolThreshold >= 0, "spoolThreshold", "must be 0 or more, was " + spoolThreshold);
        require(downloadAhead >= 0, "downloadAhead", "must be 0 (off) or more, was " + downloadAhead);
        require(authMechanism != AuthMechanism.XOAUTH2 || accessTokenProvider != null, "accessTokenProvider",
                "is required with authMechanism=xoauth2");
        require(authMechanism == AuthMechanism.XOAUTH2 || password != null, "password",
                "is required with authMechanism=" + authMechanism.name().toLowerCase(Locale.ROOT));
        require(ledgerDirectory == null || !ledgerDirectory.isBlank(), "ledgerDirectory", "must not be blank");
        if (ledger != null && dataSource != null) {
            throw new IllegalArgumentException("Options ledger and dataSource cannot be used together: dataSource keeps"
                                               + " the ledger in that database, ledger names a ledger bean; set one");
        }
        require(clustered || clusterService == null, "clusterService", "is only used with clustered=true");
        if (security == Security.NONE && !allowPlaintextAuth && !isLoopback(host)) {
            throw new IllegalArgumentException(
                    "Option security=none would send the password in clear to " + host
                                               + ", which is not a loopback address; use security=tls or starttls, or set"
                                               + " allowPlaintextAuth=true if this is really intended");
        }
    }

    private static void require(boolean condition, String option, String problem) {
        if (!condition) {
            throw new IllegalArgumentException("Option " + option + " " + problem);
        }
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The port to connect to: the configured one, or the default for the security mode. */
    public int effectivePort() {
        if (port > 0) {
            return port;
        }
        return security == Security.TLS ? 995 : 110;
    }

    /** {@code host:port}: names the mailbox in logs and errors (the user name is a secret option). */
    public String mailboxLabel() {
        return host + ":" + effectivePort();
    }

    /** {@code user@host:port}, the key of this mailbox in the ledger. */
    public String mailboxKey() {
        return username + "@" + host + ":" + effectivePort();
    }

    public Pop3xConfiguration copy() {
        try {
            return (Pop3xConfiguration) clone();
        } catch (CloneNotSupportedException e) {
            throw new RuntimeCamelException(e);
        }
    }

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public Security getSecurity() {
        return security;
    }

    public void setSecurity(Security security) {
        this.security = security;
    }

    public boolean isAllowPlaintextAuth() {
        return allowPlaintextAuth;
    }

    public void setAllowPlaintextAuth(boolean allowPlaintextAuth) {
        this.allowPlaintextAuth = allowPlaintextAuth;
    }

    public SSLContextParameters getSslContextParameters() {
        return sslContextParameters;
    }

    public void setSslContextParameters(SSLContextParameters sslContextParameters) {
        this.sslContextParameters = sslContextParameters;
    }

    public AuthMechanism getAuthMechanism() {
        return authMechanism;
    }

    public void setAuthMechanism(AuthMechanism authMechanism) {
        this.authMechanism = authMechanism;
    }

    public AccessTokenProvider getAccessTokenProvider() {
        return accessTokenProvider;
    }

    public void setAccessTokenProvider(AccessTokenProvider accessTokenProvider) {
        this.accessTokenProvider = accessTokenProvider;
    }

    public boolean isXoauth2InitialResponse() {
        return xoauth2InitialResponse;
    }

    public void setXoauth2InitialResponse(boolean xoauth2InitialResponse) {
        this.xoauth2InitialResponse = xoauth2InitialResponse;
    }

    public long getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(long connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public long getReadTimeout() {
        return readTimeout;
    }

    public void setReadTimeout(long readTimeout) {
        this.readTimeout = readTimeout;
    }

    public boolean isDelete() {
        return delete;
    }

    public void setDelete(boolean delete) {
        this.delete = delete;
    }

    public long getDeleteAfter() {
        return deleteAfter;
    }

    public void setDeleteAfter(long deleteAfter) {
        this.deleteAfter = deleteAfter;
    }

    public int getMaxAttempts() {
        return maxAttempts;
    }

    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    public PoisonAction getPoisonAction() {
        return poisonAction;
    }

    public void setPoisonAction(PoisonAction poisonAction) {
        this.poisonAction = poisonAction;
    }

    public String getDeadLetterUri() {
        return deadLetterUri;
    }

    public void setDeadLetterUri(String deadLetterUri) {
        this.deadLetterUri = deadLetterUri;
    }

    public long getMaxMessageSize() {
        return maxMessageSize;
    }

    public void setMaxMessageSize(long maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    public OversizeAction getOversizeAction() {
        return oversizeAction;
    }

    public void setOversizeAction(OversizeAction oversizeAction) {
        this.oversizeAction = oversizeAction;
    }

    public long getMaxBytesPerPoll() {
        return maxBytesPerPoll;
    }

    public void setMaxBytesPerPoll(long maxBytesPerPoll) {
        this.maxBytesPerPoll = maxBytesPerPoll;
    }

    public int getCommitEvery() {
        return commitEvery;
    }

    public void setCommitEvery(int commitEvery) {
        this.commitEvery = commitEvery;
    }

    public long getClaimTimeout() {
        return claimTimeout;
    }

    public void setClaimTimeout(long claimTimeout) {
        this.claimTimeout = claimTimeout;
    }

    public Ledger getLedger() {
        return ledger;
    }

    public void setLedger(Ledger ledger) {
        this.ledger = ledger;
    }

    public DataSource getDataSource() {
        return dataSource;
    }

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public boolean isClustered() {
        return clustered;
    }

    public void setClustered(boolean clustered) {
        this.clustered = clustered;
    }

    public CamelClusterService getClusterService() {
        return clusterService;
    }

    public void setClusterService(CamelClusterService clusterService) {
        this.clusterService = clusterService;
    }

    public String getLedgerDirectory() {
        return ledgerDirectory;
    }

    public void setLedgerDirectory(String ledgerDirectory) {
        this.ledgerDirectory = ledgerDirectory;
    }

    public boolean isAttachedMessageParts() {
        return attachedMessageParts;
    }

    public void setAttachedMessageParts(boolean attachedMessageParts) {
        this.attachedMessageParts = attachedMessageParts;
    }

    public boolean isMapMailMessage() {
        return mapMailMessage;
    }

    public void setMapMailMessage(boolean mapMailMessage) {
        this.mapMailMessage = mapMailMessage;
    }

    public int getMaxMessagesPerPoll() {
        return maxMessagesPerPoll;
    }

    public void setMaxMessagesPerPoll(int maxMessagesPerPoll) {
        this.maxMessagesPerPoll = maxMessagesPerPoll;
    }

    public boolean isPipelining() {
        return pipelining;
    }

    public void setPipelining(boolean pipelining) {
        this.pipelining = pipelining;
    }

    public long getSpoolThreshold() {
        return spoolThreshold;
    }

    public void setSpoolThreshold(long spoolThreshold) {
        this.spoolThreshold = spoolThreshold;
    }

    public int getDownloadAhead() {
        return downloadAhead;
    }

    public void setDownloadAhead(int downloadAhead) {
        this.downloadAhead = downloadAhead;
    }

    public HeaderFilterStrategy getHeaderFilterStrategy() {
        return headerFilterStrategy;
    }

    public void setHeaderFilterStrategy(HeaderFilterStrategy headerFilterStrategy) {
        this.headerFilterStrategy = headerFilterStrategy;
    }

    @Override
    public String toString() {
        // never the password or the token provider's secrets
        return "pop3x " + mailboxLabel() + " security=" + security;
    }
}
