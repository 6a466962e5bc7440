package dev.pop3x.protocol;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Pop3CapabilitiesTest {

    @Test
    void dovecotCapa() {
        Capabilities c = Capabilities.parse(List.of("TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE",
                "STLS", "USER", "SASL PLAIN LOGIN"));
        assertThat(c.has("PIPELINING")).isTrue();
        assertThat(c.has("pipelining")).isTrue();
        assertThat(c.has("UIDL")).isTrue();
        assertThat(c.has("TOP")).isTrue();
        assertThat(c.has("STLS")).isTrue();
        assertThat(c.has("USER")).isTrue();
        assertThat(c.has("APOP")).isFalse();
        assertThat(c.saslMechanisms()).containsExactly("PLAIN", "LOGIN");
        assertThat(c.argument("TOP")).isEmpty();
    }

    @Test
    void argumentsAndLowerCaseMechanisms() {
        Capabilities c = Capabilities.parse(List.of("LOGIN-DELAY 900", "EXPIRE NEVER",
                "sasl  plain\txoauth2", "IMPLEMENTATION GNU Mailutils 3.15", ""));
        assertThat(c.argument("LOGIN-DELAY")).contains("900");
        assertThat(c.argument("login-delay")).contains("900");
        assertThat(c.argument("EXPIRE")).contains("NEVER");
        assertThat(c.argument("IMPLEMENTATION")).contains("GNU Mailutils 3.15");
        assertThat(c.saslMechanisms()).containsExactly("PLAIN", "XOAUTH2");
        assertThat(c.argument("MISSING")).isEmpty();
    }

    @Test
    void none() {
        Capabilities c = Capabilities.none();
        assertThat(c.has("UIDL")).isFalse();
        assertThat(c.saslMechanisms()).isEmpty();
        assertThat(c.isEmpty()).isTrue();
        assertThat(Capabilities.parse(List.of())).isSameAs(Capabilities.none());
    }
}
