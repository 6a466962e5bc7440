package dev.pop3x;

import dev.pop3x.ledger.FileLedger;
import dev.pop3x.ledger.InMemoryLedger;
import dev.pop3x.ledger.JdbcLedger;
import dev.pop3x.protocol.AuthMechanism;
import dev.pop3x.protocol.Security;
import org.apache.camel.CamelContext;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.util.URISupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EndpointConfigurationTest {

    private final CamelContext context = new DefaultCamelContext();

    @AfterEach
    void stop() {
        context.stop();
    }

    private Pop3xEndpoint endpoint(String uri) {
        return context.getEndpoint(uri, Pop3xEndpoint.class);
    }

    @Test
    void defaultsFollowTheDesign() {
        Pop3xEndpoint e = endpoint("pop3x:mail.example.com?username=alice&password=secret");
        Pop3xConfiguration c = e.getConfiguration();
        assertThat(c.getSecurity()).isEqualTo(Security.TLS);
        assertThat(c.effectivePort()).isEqualTo(995);
        assertThat(c.getAuthMechanism()).isEqualTo(AuthMechanism.AUTO);
        assertThat(c.isDelete()).isFalse();
        assertThat(c.isMapMailMessage()).isTrue();
        assertThat(c.getConnectTimeout()).isEqualTo(30_000);
        assertThat(c.getReadTimeout()).isEqualTo(60_000);
        assertThat(e.getDelay()).isEqualTo(60_000);
        assertThat(c.mailboxKey()).isEqualTo("alice@mail.example.com:995");
    }

    @Test
    void aDataSourceKeepsTheLedgerInThatDatabaseAndCannotBeCombinedWithALedgerBean() {
        PGSimpleDataSource pg = new PGSimpleDataSource();
        context.getRegistry().bind("pg", pg);
        context.getRegistry().bind("myLedger", new InMemoryLedger());
        assertThat(endpoint("pop3x:h?username=a&password=p").resolveLedger()).isInstanceOf(FileLedger.class);
        Pop3xEndpoint jdbc = endpoint("pop3x:h?username=a&password=p&dataSource=#pg");
        assertThat(jdbc.getConfiguration().getDataSource()).isSameAs(pg);
        assertThat(jdbc.resolveLedger()).isInstanceOfSatisfying(JdbcLedger.class,
                l -> assertThat(l.dataSource()).isSameAs(pg));
        assertThatThrownBy(() -> endpoint("pop3x:h?username=a&password=p&dataSource=#pg&ledger=#myLedger"))
                .isInstanceOf(ResolveEndpointFailedException.class)
                .hasStackTraceContaining("Options ledger and dataSource cannot be used together");
    }

    @Test
    void starttlsDefaultsToPort110AndAnExplicitPortWins() {
        assertThat(endpoint("pop3x:h?username=a&password=p&security=starttls").getConfiguration().effectivePort())
                .isEqualTo(110);
        assertThat(endpoint("pop3x:h:2110?username=a&password=p&security=STARTTLS").getConfiguration().effectivePort())
                .isEqualTo(2110);
    }

    @Test
    void optionsAreBound() {
        context.getRegistry().bind("myLedger", new InMemoryLedger());
        Pop3xEndpoint e = endpoint("pop3x:h?username=a&password=p&delete=true&mapMailMessage=false&maxMessagesPerPoll=7"
                                   + "&connectTimeout=5s&readTimeout=2m&delay=10s&authMechanism=login&ledger=#myLedger"
                                   + "&spoolThreshold=4096&claimTimeout=1h");
        Pop3xConfiguration c = e.getConfiguration();
        assertThat(c.isDelete()).isTrue();
        assertThat(c.isMapMailMessage()).isFalse();
        assertThat(c.getMaxMessagesPerPoll()).isEqualTo(7);
        assertThat(c.getConnectTimeout()).isEqualTo(5_000);
        assertThat(c.getReadTimeout()).isEqualTo(120_000);
        assertThat(c.getClaimTimeout()).isEqualTo(3_600_000);
        assertThat(e.getDelay()).isEqualTo(10_000);
        assertThat(c.getAuthMechanism()).isEqualTo(AuthMechanism.LOGIN);
        assertThat(c.getLedger()).isInstanceOf(InMemoryLedger.class);
        assertThat(c.getSpoolThreshold()).isEqualTo(4096);
    }

    @Test
    void anUnknownSecurityValueNamesTheOption() {
        assertThatThrownBy(() -> endpoint("pop3x:h?username=a&password=p&security=ssl"))
                .isInstanceOf(ResolveEndpointFailedException.class)
                .hasStackTraceContaining("security");
    }

    @Test
    void missingUsernameNamesTheOption() {
        assertThatThrownBy(() -> endpoint("pop3x:h?password=p"))
                .hasStackTraceContaining("Option username is required");
    }

    @Test
    void xoauth2WithoutATokenProviderNamesTheOption() {
        assertThatThrownBy(() -> endpoint("pop3x:h?username=a&authMechanism=xoauth2"))
                .hasStackTraceContaining("Option accessTokenProvider is required with authMechanism=xoauth2");
    }

    @Test
    void plaintextToARemoteHostNeedsAnExplicitOptIn() {
        assertThatThrownBy(() -> endpoint("pop3x:mail.example.com?username=a&password=p&security=none"))
                .hasStackTraceContaining("security=none")
                .hasStackTraceContaining("allowPlaintextAuth");
        assertThat(endpoint("pop3x:mail.example.com?username=a&password=p&security=none&allowPlaintextAuth=true")
                .getConfiguration().effectivePort()).isEqualTo(110);
        assertThat(endpoint("pop3x:127.0.0.1?username=a&password=p&security=none").getConfiguration().getSecurity())
                .isEqualTo(Security.NONE);
    }

    @Test
    void invalidNumbersNameTheOption() {
        assertThatThrownBy(() -> endpoint("pop3x:h?username=a&password=p&maxMessagesPerPoll=-1"))
                .hasStackTraceContaining("Option maxMessagesPerPoll");
        assertThatThrownBy(() -> endpoint("pop3x:h:99999?username=a&password=p"))
                .hasStackTraceContaining("Option port");
        assertThatThrownBy(() -> endpoint("pop3x:h:abc?username=a&password=p")).hasStackTraceContaining("Option port");
    }

    @Test
    void thePasswordIsMaskedInTheEndpointUriAndNeverInToString() {
        Pop3xEndpoint e = endpoint("pop3x:h?username=alice&password=TopSecret42");
        assertThat(e.toString()).doesNotContain("TopSecret42");
        assertThat(e.getConfiguration().toString()).doesNotContain("TopSecret42");
        assertThat(URISupport.sanitizeUri(e.getEndpointUri())).doesNotContain("TopSecret42");
    }

    @Test
    void aProducerIsRefusedWithAReason() {
        assertThatThrownBy(() -> endpoint("pop3x:h?username=a&password=p").createProducer())
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("consumer only");
    }
}
