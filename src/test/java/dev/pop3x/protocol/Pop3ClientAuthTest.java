package dev.pop3x.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Login exchanges byte for byte, and that no secret leaks into an exception. */
class Pop3ClientAuthTest {

    private static final String GREETING = "+OK ready <1896.697170952@dbc.mtview.ca.us>";

    @Test
    void userPass() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("USER alice", "+OK").expect("PASS s3cret pass", "+OK Logged in.").start();
             Pop3Client c = peer.client()) {
            c.authenticate(AuthMechanism.USER, "alice", "s3cret pass");
            c.close();
            peer.verify();
            assertThat(peer.receivedText()).isEqualTo("USER alice\r\nPASS s3cret pass\r\n");
        }
    }

    @Test
    void passFailureNamesTheCommandButNotThePassword() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("USER alice", "+OK").expect("PASS wrong-secret", "-ERR [AUTH] Authentication failed.").start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> c.authenticate(AuthMechanism.USER, "alice", "wrong-secret"))
                    .isInstanceOf(Pop3Exception.class)
                    .hasMessage("PASS failed: -ERR [AUTH] Authentication failed.")
                    .satisfies(e -> {
                        Pop3Exception p = (Pop3Exception) e;
                        assertThat(p.command()).isEqualTo("PASS");
                        assertThat(p.response().code()).isEqualTo("AUTH");
                        assertThat(String.valueOf(e)).doesNotContain("wrong-secret");
                    });
        }
    }

    @Test
    void aServerEchoingThePasswordIsMasked() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("USER alice", "+OK").expect("PASS hunter2", "-ERR bad password hunter2").start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> c.authenticate(AuthMechanism.USER, "alice", "hunter2"))
                    .hasMessage("PASS failed: -ERR bad password ***")
                    .satisfies(e -> assertThat(((Pop3Exception) e).response().text()).doesNotContain("hunter2"));
        }
    }

    @Test
    void inUseAtPass() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("USER alice", "+OK").expect("PASS secret", "-ERR [IN-USE] Mailbox in use").start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> c.authenticate(AuthMechanism.USER, "alice", "secret"))
                    .satisfies(e -> assertThat(((Pop3Exception) e).code()).isEqualTo("IN-USE"));
        }
    }

    @Test
    void apopDigestOfRfc1939() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("APOP mrose c4c9334bac560ecc979e58001b3e22fb", "+OK maildrop has 1 message (369 octets)")
                .start();
             Pop3Client c = peer.client()) {
            c.authenticate(AuthMechanism.APOP, "mrose", "tanstaaf");
        }
    }

    @Test
    void apopFailureDoesNotShowTheDigest() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("APOP mrose c4c9334bac560ecc979e58001b3e22fb",
                        "-ERR [AUTH] digest c4c9334bac560ecc979e58001b3e22fb rejected")
                .start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> c.authenticate(AuthMechanism.APOP, "mrose", "tanstaaf"))
                    .hasMessage("APOP failed: -ERR [AUTH] digest *** rejected");
        }
    }

    @Test
    void authPlainWithInitialResponse() throws Exception {
        String b64 = b64("\0alice\0secret");
        assertThat(b64).isEqualTo("AGFsaWNlAHNlY3JldA==");
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("AUTH PLAIN AGFsaWNlAHNlY3JldA==", "+OK Logged in.").start();
             Pop3Client c = peer.client()) {
            c.authenticate(AuthMechanism.PLAIN, "alice", "secret");
            c.close();
            peer.verify();
            assertThat(peer.receivedText()).isEqualTo("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
        }
    }

    @Test
    void authPlainFailure() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("AUTH PLAIN " + b64("\0alice\0nope"), "-ERR [AUTH] Authentication failed.").start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> c.authenticate(AuthMechanism.PLAIN, "alice", "nope"))
                    .isInstanceOf(Pop3Exception.class)
                    .hasMessage("AUTH PLAIN failed: -ERR [AUTH] Authentication failed.")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(b64("\0alice\0nope")));
        }
    }

    @Test
    void authPlainTooLongForOneLineWaitsForTheChallenge() throws Exception {
        String password = "p".repeat(300);
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("AUTH PLAIN", "+ ").expect(b64("\0alice\0" + password), "+OK").start();
             Pop3Client c = peer.client()) {
            c.authenticate(AuthMechanism.PLAIN, "alice", password);
        }
    }

    @Test
    void authLogin() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("AUTH LOGIN", "+ VXNlcm5hbWU6")
                .expect("YWxpY2U=", "+ UGFzc3dvcmQ6")
                .expect("c2VjcmV0", "+OK Logged in.").start();
             Pop3Client c = peer.client()) {
            c.authenticate(AuthMechanism.LOGIN, "alice", "secret");
            c.close();
            peer.verify();
            assertThat(peer.receivedText()).isEqualTo("AUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\n");
        }
    }

    @Test
    void authLoginFailure() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("AUTH LOGIN", "+ VXNlcm5hbWU6")
                .expect("YWxpY2U=", "+ UGFzc3dvcmQ6")
                .expect("c2VjcmV0", "-ERR [AUTH] Authentication failed.").start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> c.authenticate(AuthMechanism.LOGIN, "alice", "secret"))
                    .hasMessage("AUTH LOGIN failed: -ERR [AUTH] Authentication failed.");
        }
    }

    @Test
    void xoauth2OneLine() throws Exception {
        String b64 = b64("user=alice@example.com\u0001auth=Bearer ya29.token\u0001\u0001");
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("AUTH XOAUTH2 " + b64, "+OK Welcome.").start();
             Pop3Client c = peer.client()) {
            c.authenticateXoauth2("alice@example.com", "ya29.token", true);
            c.close();
            peer.verify();
            assertThat(peer.receivedText()).isEqualTo("AUTH XOAUTH2 " + b64 + "\r\n");
        }
    }

    @Test
    void xoauth2TwoLine() throws Exception {
        String b64 = b64("user=alice@example.com\u0001auth=Bearer EwB.token\u0001\u0001");
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("AUTH XOAUTH2", "+ ").expect(b64, "+OK User successfully authenticated.").start();
             Pop3Client c = peer.client()) {
            c.authenticateXoauth2("alice@example.com", "EwB.token", false);
            c.close();
            peer.verify();
            assertThat(peer.receivedText()).isEqualTo("AUTH XOAUTH2\r\n" + b64 + "\r\n");
        }
    }

    @Test
    void xoauth2ErrorChallengeIsAnsweredWithAnEmptyLine() throws Exception {
        String b64 = b64("user=alice@example.com\u0001auth=Bearer expired\u0001\u0001");
        String json = b64("{\"status\":\"401\",\"schemes\":\"Bearer\",\"scope\":\"https://mail.google.com/\"}");
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING)
                .expect("AUTH XOAUTH2 " + b64, "+ " + json)
                .expect("", "-ERR [AUTH] Invalid credentials (Failure)").start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> c.authenticateXoauth2("alice@example.com", "expired", true))
                    .isInstanceOf(Pop3Exception.class)
                    .hasMessage("AUTH XOAUTH2 failed: -ERR [AUTH] Invalid credentials (Failure)")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("expired").doesNotContain(b64));
        }
    }

    @Test
    void autoMustBeResolvedByTheCaller() throws Exception {
        try (ScriptedPop3Peer peer = new ScriptedPop3Peer().send(GREETING).start();
             Pop3Client c = peer.client()) {
            assertThatThrownBy(() -> c.authenticate(AuthMechanism.AUTO, "alice", "secret"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
