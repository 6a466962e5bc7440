package dev.pop3x.springboot;

import java.time.Duration;

import javax.sql.DataSource;

import dev.pop3x.AccessTokenProvider;
import dev.pop3x.Pop3xConfiguration;
import dev.pop3x.ledger.Ledger;
import dev.pop3x.policy.OversizeAction;
import dev.pop3x.policy.PoisonAction;
import dev.pop3x.protocol.AuthMechanism;
import dev.pop3x.protocol.Security;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.spring.boot.ComponentConfigurationPropertiesCommon;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The options of the pop3x component, as {@code camel.component.pop3x.*} properties: one field per entry of
 * {@code componentProperties} in the component's {@code pop3x.json}, with its description as javadoc (which the
 * configuration processor turns into IDE help). Every field is unset (null) by default, so an option that is not set
 * keeps the component's own default; Pop3xComponentConfigurationTest fails when this class and pop3x.json drift apart.
 * Durations take Spring Boot's forms ({@code 14d}, {@code 30s}, {@code 500ms}, or plain milliseconds); bean-typed
 * options take {@code #beanName} or {@code #bean:beanName}.
 * <p>
 * {@code ignoreUnknownFields = false}: a {@code camel.component.pop3x.*} name that is no option (a typo such as
 * {@code max-atempts}) stops the app's startup naming it, instead of being dropped. Camel's own starters keep Spring's
 * default (ignore); here nothing else is bound under this prefix: {@code enabled} and {@code customizer.enabled} are
 * fields of {@link ComponentConfigurationPropertiesCommon}.
 */
@ConfigurationProperties(prefix = "camel.component.pop3x", ignoreUnknownFields = false)
public class Pop3xComponentConfiguration extends ComponentConfigurationPropertiesCommon {

    /**
     * Allows for bridging the consumer to the Camel routing Error Handler, which mean any exceptions (if possible)
     * occurred while the Camel consumer is trying to pickup incoming messages, or the likes, will now be processed as
     * a message and handled by the routing Error Handler. Important: This is only possible if the 3rd party component
     * allows Camel to be alerted if an exception was thrown. Some components handle this internally only, and
     * therefore bridgeErrorHandler is not possible. In other situations we may improve the Camel component to hook
     * into the 3rd party component and make this possible for future releases. By default the consumer will use the
     * org.apache.camel.spi.ExceptionHandler to deal with exceptions, that will be logged at WARN or ERROR level and
     * ignored.
     */
    private Boolean bridgeErrorHandler;

    /**
     * An in-flight claim older than this (left by a stuck route or a node of a shared ledger that died) expires and
     * the message is delivered again.
     */
    private Duration claimTimeout;

    /**
     * Send QUIT (which is what makes DELE final) and reconnect after this many deletes in one poll, so a dropped
     * connection loses at most this many deletes (they are re-applied on the next poll, never redelivered). 0 = once
     * at the end of the poll.
     */
    private Integer commitEvery;

    /**
     * When above 0, the consumers of this component that have no scheduledExecutorService of their own poll on one
     * scheduled thread pool of this many threads, shared by all of them, instead of one scheduler thread per consumer
     * (Camel's default, 0). Set it when one JVM polls many mailboxes: a poll holds a thread while it drains its
     * mailbox, so this is also how many mailboxes are polled at the same time.
     */
    private Integer sharedPollThreads;

    /**
     * Threads that make the ledger durable in the background while polls go on routing, shared by every endpoint of
     * this component (each poll has at most one sync running).
     */
    private Integer ledgerSyncThreads;

    /**
     * Shared configuration: endpoints start from a copy of it.
     */
    private Pop3xConfiguration configuration;

    /**
     * Endpoint that receives a poison message once, before poisonAction is applied: the raw RFC 822 message as body,
     * its mail headers, CamelPop3xUid, CamelPop3xAttempt and CamelExceptionCaught (the last failure's text).
     */
    private String deadLetterUri;

    /**
     * After an Exchange completes successfully, delete the message on the server. With false the message stays on the
     * server and the ledger makes sure it is never delivered again.
     */
    private Boolean delete;

    /**
     * With delete=false: delete a message once this long has passed since it was first completed successfully (e.g.
     * 14d, 12h, 30s): leave mail on the server for at most this long. Unset = keep forever.
     */
    private Duration deleteAfter;

    /**
     * The ledger that records what happened to each message, by UIDL: a bean implementing dev.pop3x.ledger.Ledger.
     * Defaults to a file ledger in ledgerDirectory.
     */
    private Ledger ledger;

    /**
     * Poll only while this node is the leader of this mailbox in Camel's cluster service (a CamelClusterService:
     * Kubernetes lease, ZooKeeper, file lock, ...): the other nodes stand by, and one of them takes over when the
     * leader stops or dies. The ledger is opened when leadership is gained; all nodes must share it (dataSource, or a
     * ledgerDirectory on one host).
     */
    private Boolean clustered;

    /**
     * With clustered=true: the CamelClusterService that elects the leader. Defaults to the one cluster service of the
     * CamelContext (an error when it has none, or several).
     */
    private CamelClusterService clusterService;

    /**
     * A javax.sql.DataSource bean (a PostgreSQL database, best pooled): the ledger is kept in that database, shared by
     * every node polling the mailbox, instead of in a file (ledgerDirectory is then not used). Its tables
     * pop3x_mailbox and pop3x_ledger are created if missing; each start takes the mailbox over with a new fencing
     * epoch, and writes of an earlier holder are refused. Cannot be combined with ledger. Needs the PostgreSQL JDBC
     * driver. (Spring Boot's metadata processor skips DataSource properties: its IDE metadata is in
     * additional-spring-configuration-metadata.json.)
     */
    private DataSource dataSource;

    /**
     * Directory of the default file ledger: one file per userhost:port.
     */
    private String ledgerDirectory;

    /**
     * true: the body is the mail's text (text/plain preferred, else text/html) and attachments are Camel attachments;
     * false: the body is the raw RFC 822 message as a stream.
     */
    private Boolean mapMailMessage;

    /**
     * With mapMailMessage=true: also offer the attachments inside an attached or forwarded mail (a message/rfc822
     * part) as attachments of the Exchange, after the attached mail itself (which stays an attachment, e.g.
     * message.eml). false: only the attached mail.
     */
    private Boolean attachedMessageParts;

    /**
     * How many times a message may fail in the route, counted across polls and restarts, before it is poison. 0 =
     * retry forever. A route's own redeliveries inside one Exchange count as one attempt.
     */
    private Integer maxAttempts;

    /**
     * Stop taking messages in a poll once this many bytes (by LIST size) are taken; at least one message is always
     * taken. 0 = no limit.
     */
    private Long maxBytesPerPoll;

    /**
     * Messages whose LIST size exceeds this many bytes are not downloaded whole (see oversizeAction); 0 = no limit.
     */
    private Long maxMessageSize;

    /**
     * Deliver at most this many messages per poll, oldest first; 0 = no limit.
     */
    private Integer maxMessagesPerPoll;

    /**
     * For messages larger than maxMessageSize: skip = leave on the server and never deliver, headers = deliver the
     * header only (TOP n 0) with CamelPop3xTruncated=true and never delete it for that, delete = delete without
     * delivering.
     */
    private OversizeAction oversizeAction;

    /**
     * What happens to a poison message (one that failed maxAttempts times), after the dead letter endpoint got it:
     * keep = leave it on the server and never deliver it again, delete = delete it.
     */
    private PoisonAction poisonAction;

    /**
     * Whether autowiring is enabled. This is used for automatic autowiring options (the option must be marked as
     * autowired) by looking up in the registry to find if there is a single instance of matching type, which then gets
     * configured on the component. This can be used for automatic configuring JDBC data sources, JMS connection
     * factories, AWS Clients, etc.
     */
    private Boolean autowiredEnabled;

    /**
     * How long to wait for the TCP connection to the server.
     */
    private Duration connectTimeout;

    /**
     * Decides which mail headers become Camel headers. The default drops every header whose name starts with camel,
     * and delete, copyTo and moveTo (case-insensitive).
     */
    private HeaderFilterStrategy headerFilterStrategy;

    /**
     * Send commands in windows when the server announces PIPELINING (RFC 2449): one round trip for many RETR/DELE
     * instead of one each, which is what makes remote mailboxes fast. Delivery semantics are the same either way;
     * false sends one command at a time.
     */
    private Boolean pipelining;

    /**
     * How long to wait for any answer of the server before the poll is abandoned.
     */
    private Duration readTimeout;

    /**
     * Messages larger than this many bytes are spooled to a file instead of being held in heap: in the spool directory
     * of Camel's stream caching when it is enabled with one, else in the JVM's temp directory. The file (its name starts
     * with pop3x-) is removed once the route is done with the mail, whether it succeeded or failed; a JVM killed in the
     * middle of a mail leaves it behind.
     */
    private Long spoolThreshold;

    /**
     * With PIPELINING and without commitEvery, a second thread reads the next mails off the connection while the route
     * handles one: at most this many downloaded mails wait for the route (and at most 4 MiB of them in heap; larger
     * mails are in spool files). 0 reads each mail on the poll thread after the route is done with the one before.
     */
    private Integer downloadAhead;

    /**
     * Bean that supplies a fresh OAuth2 access token at every connect; required with authMechanism=xoauth2.
     */
    private AccessTokenProvider accessTokenProvider;

    /**
     * With security=none, allow sending the password in clear to a host that is not the loopback address.
     */
    private Boolean allowPlaintextAuth;

    /**
     * How to log in: auto = the strongest the server offers (SASL PLAIN, then LOGIN, then USER/PASS), or one of user,
     * apop, plain, login, xoauth2 (needs accessTokenProvider).
     */
    private AuthMechanism authMechanism;

    /**
     * Password of the mailbox user. Never logged; masked in endpoint URIs.
     */
    private String password;

    /**
     * How the connection is protected: tls = implicit TLS (port 995), starttls = plain connection upgraded with STLS,
     * which the server must offer, none = no encryption (explicit opt-in; logs a warning).
     */
    private Security security;

    /**
     * Camel SSLContextParameters (trust store, client certificate) used for TLS and STLS. Defaults to the JVM's trust
     * store. Server certificates and host names are always verified.
     */
    private SSLContextParameters sslContextParameters;

    /**
     * Name of the mailbox user.
     */
    private String username;

    /**
     * With authMechanism=xoauth2: true sends the token on the AUTH line (the one-line form Gmail uses); false sends
     * AUTH XOAUTH2 alone and the token after the server's challenge (the two-line form Microsoft 365 requires).
     */
    private Boolean xoauth2InitialResponse;

    public Boolean getBridgeErrorHandler() {
        return bridgeErrorHandler;
    }

    public void setBridgeErrorHandler(Boolean bridgeErrorHandler) {
        this.bridgeErrorHandler = bridgeErrorHandler;
    }

    public Duration getClaimTimeout() {
        return claimTimeout;
    }

    public void setClaimTimeout(Duration claimTimeout) {
        this.claimTimeout = claimTimeout;
    }

    public Integer getSharedPollThreads() {
        return sharedPollThreads;
    }

    public void setSharedPollThreads(Integer sharedPollThreads) {
        this.sharedPollThreads = sharedPollThreads;
    }

    public Integer getLedgerSyncThreads() {
        return ledgerSyncThreads;
    }

    public void setLedgerSyncThreads(Integer ledgerSyncThreads) {
        this.ledgerSyncThreads = ledgerSyncThreads;
    }

    public Integer getCommitEvery() {
        return commitEvery;
    }

    public void setCommitEvery(Integer commitEvery) {
        this.commitEvery = commitEvery;
    }

    public Pop3xConfiguration getConfiguration() {
        return configuration;
    }

    public void setConfiguration(Pop3xConfiguration configuration) {
        this.configuration = configuration;
    }

    public String getDeadLetterUri() {
        return deadLetterUri;
    }

    public void setDeadLetterUri(String deadLetterUri) {
        this.deadLetterUri = deadLetterUri;
    }

    public Boolean getDelete() {
        return delete;
    }

    public void setDelete(Boolean delete) {
        this.delete = delete;
    }

    public Duration getDeleteAfter() {
        return deleteAfter;
    }

    public void setDeleteAfter(Duration deleteAfter) {
        this.deleteAfter = deleteAfter;
    }

    public Ledger getLedger() {
        return ledger;
    }

    public void setLedger(Ledger ledger) {
        this.ledger = ledger;
    }

    public Boolean getClustered() {
        return clustered;
    }

    public void setClustered(Boolean clustered) {
        this.clustered = clustered;
    }

    public CamelClusterService getClusterService() {
        return clusterService;
    }

    public void setClusterService(CamelClusterService clusterService) {
        this.clusterService = clusterService;
    }

    public DataSource getDataSource() {
        return dataSource;
    }

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public String getLedgerDirectory() {
        return ledgerDirectory;
    }

    public void setLedgerDirectory(String ledgerDirectory) {
        this.ledgerDirectory = ledgerDirectory;
    }

    public Boolean getAttachedMessageParts() {
        return attachedMessageParts;
    }

    public void setAttachedMessageParts(Boolean attachedMessageParts) {
        this.attachedMessageParts = attachedMessageParts;
    }

    public Boolean getMapMailMessage() {
        return mapMailMessage;
    }

    public void setMapMailMessage(Boolean mapMailMessage) {
        this.mapMailMessage = mapMailMessage;
    }

    public Integer getMaxAttempts() {
        return maxAttempts;
    }

    public void setMaxAttempts(Integer maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    public Long getMaxBytesPerPoll() {
        return maxBytesPerPoll;
    }

    public void setMaxBytesPerPoll(Long maxBytesPerPoll) {
        this.maxBytesPerPoll = maxBytesPerPoll;
    }

    public Long getMaxMessageSize() {
        return maxMessageSize;
    }

    public void setMaxMessageSize(Long maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    public Integer getMaxMessagesPerPoll() {
        return maxMessagesPerPoll;
    }

    public void setMaxMessagesPerPoll(Integer maxMessagesPerPoll) {
        this.maxMessagesPerPoll = maxMessagesPerPoll;
    }

    public OversizeAction getOversizeAction() {
        return oversizeAction;
    }

    public void setOversizeAction(OversizeAction oversizeAction) {
        this.oversizeAction = oversizeAction;
    }

    public PoisonAction getPoisonAction() {
        return poisonAction;
    }

    public void setPoisonAction(PoisonAction poisonAction) {
        this.poisonAction = poisonAction;
    }

    public Boolean getAutowiredEnabled() {
        return autowiredEnabled;
    }

    public void setAutowiredEnabled(Boolean autowiredEnabled) {
        this.autowiredEnabled = autowiredEnabled;
    }

    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public HeaderFilterStrategy getHeaderFilterStrategy() {
        return headerFilterStrategy;
    }

    public void setHeaderFilterStrategy(HeaderFilterStrategy headerFilterStrategy) {
        this.headerFilterStrategy = headerFilterStrategy;
    }

    public Boolean getPipelining() {
        return pipelining;
    }

    public void setPipelining(Boolean pipelining) {
        this.pipelining = pipelining;
    }

    public Duration getReadTimeout() {
        return readTimeout;
    }

    public void setReadTimeout(Duration readTimeout) {
        this.readTimeout = readTimeout;
    }

    public Long getSpoolThreshold() {
        return spoolThreshold;
    }

    public void setSpoolThreshold(Long spoolThreshold) {
        this.spoolThreshold = spoolThreshold;
    }

    public Integer getDownloadAhead() {
        return downloadAhead;
    }

    public void setDownloadAhead(Integer downloadAhead) {
        this.downloadAhead = downloadAhead;
    }

    public AccessTokenProvider getAccessTokenProvider() {
        return accessTokenProvider;
    }

    public void setAccessTokenProvider(AccessTokenProvider accessTokenProvider) {
        this.accessTokenProvider = accessTokenProvider;
    }

    public Boolean getAllowPlaintextAuth() {
        return allowPlaintextAuth;
    }

    public void setAllowPlaintextAuth(Boolean allowPlaintextAuth) {
        this.allowPlaintextAuth = allowPlaintextAuth;
    }

    public AuthMechanism getAuthMechanism() {
        return authMechanism;
    }

    public void setAuthMechanism(AuthMechanism authMechanism) {
        this.authMechanism = authMechanism;
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

    public SSLContextParameters getSslContextParameters() {
        return sslContextParameters;
    }

    public void setSslContextParameters(SSLContextParameters sslContextParameters) {
        this.sslContextParameters = sslContextParameters;
    }

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public Boolean getXoauth2InitialResponse() {
        return xoauth2InitialResponse;
    }

    public void setXoauth2InitialResponse(Boolean xoauth2InitialResponse) {
        this.xoauth2InitialResponse = xoauth2InitialResponse;
    }
}
