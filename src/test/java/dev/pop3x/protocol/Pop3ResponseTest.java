package dev.pop3x.protocol;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Pop3ResponseTest {

    @Test
    void okWithText() throws Exception {
        assertThat(Pop3Response.parse("+OK 2 320")).isEqualTo(new Pop3Response(true, null, "2 320"));
    }

    @Test
    void okAloneHasEmptyText() throws Exception {
        Pop3Response r = Pop3Response.parse("+OK");
        assertThat(r.ok()).isTrue();
        assertThat(r.code()).isNull();
        assertThat(r.text()).isEmpty();
    }

    @Test
    void keywordsAreCaseInsensitive() throws Exception {
        assertThat(Pop3Response.parse("+ok fine").ok()).isTrue();
        assertThat(Pop3Response.parse("-err no").ok()).isFalse();
        assertThat(Pop3Response.parse("-Err").text()).isEmpty();
    }

    @Test
    void responseCodes() throws Exception {
        assertThat(Pop3Response.parse("-ERR [IN-USE] Mailbox in use"))
                .isEqualTo(new Pop3Response(false, "IN-USE", "Mailbox in use"));
        assertThat(Pop3Response.parse("-ERR [SYS/TEMP] try later"))
                .isEqualTo(new Pop3Response(false, "SYS/TEMP", "try later"));
        assertThat(Pop3Response.parse("-ERR [auth] Authentication failed."))
                .isEqualTo(new Pop3Response(false, "AUTH", "Authentication failed."));
        assertThat(Pop3Response.parse("-ERR [LOGIN-DELAY]"))
                .isEqualTo(new Pop3Response(false, "LOGIN-DELAY", ""));
        assertThat(Pop3Response.parse("+OK [UTF8] now in UTF-8 mode").code()).isEqualTo("UTF8");
    }

    @Test
    void bracketWithoutCloseIsText() throws Exception {
        assertThat(Pop3Response.parse("-ERR [oops")).isEqualTo(new Pop3Response(false, null, "[oops"));
    }

    @Test
    void continuationLines() throws Exception {
        assertThat(Pop3Response.parse("+ VXNlcm5hbWU6")).isEqualTo(new Pop3Response(true, null, "VXNlcm5hbWU6"));
        assertThat(Pop3Response.parse("+ ")).isEqualTo(new Pop3Response(true, null, ""));
        assertThat(Pop3Response.parse("+")).isEqualTo(new Pop3Response(true, null, ""));
        assertThat(Pop3Response.isContinuation("+ abc")).isTrue();
        assertThat(Pop3Response.isContinuation("+OK")).isFalse();
    }

    @Test
    void garbageIsAProtocolError() {
        assertThatThrownBy(() -> Pop3Response.parse("* OK IMAP4 ready"))
                .isInstanceOf(Pop3ProtocolException.class).hasMessageContaining("not a POP3 status line");
        assertThatThrownBy(() -> Pop3Response.parse("+OKAY")).isInstanceOf(Pop3ProtocolException.class);
        assertThatThrownBy(() -> Pop3Response.parse("")).isInstanceOf(Pop3ProtocolException.class);
    }

    @Test
    void exceptionMessageFormat() {
        Pop3Exception e = new Pop3Exception("RETR 3", new Pop3Response(false, "SYS/PERM", "gone"));
        assertThat(e).hasMessage("RETR 3 failed: -ERR [SYS/PERM] gone");
        assertThat(e.command()).isEqualTo("RETR 3");
        assertThat(e.response().code()).isEqualTo("SYS/PERM");
        assertThat(new Pop3Exception("NOOP", new Pop3Response(false, null, ""))).hasMessage("NOOP failed: -ERR");
    }
}
