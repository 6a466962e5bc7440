package dev.pop3x.session;

import java.io.IOException;
import java.util.concurrent.Callable;

import dev.pop3x.protocol.AuthMechanism;
import dev.pop3x.protocol.Capabilities;
import dev.pop3x.protocol.Pop3Client;

/**
 * How to log in to the mailbox. {@link #toString()} never shows the password or a token.
 *
 * @param mechanism   the configured mechanism; {@link AuthMechanism#AUTO} is resolved against the server's CAPA
 * @param username    mailbox user
 * @param password    password, null for XOAUTH2
 * @param accessToken asked for a fresh token at every login (XOAUTH2 only)
 * @param xoauth2InitialResponse XOAUTH2 on one line (Gmail), else AUTH, a "+ " challenge, then the token (Microsoft 365)
 */
public record Login(
        AuthMechanism mechanism, String username, String password, Callable<String> accessToken,
        boolean xoauth2InitialResponse) {

    void authenticate(Pop3Client client, Capabilities capabilities) throws IOException {
        AuthMechanism chosen = resolve(capabilities);
        if (chosen == AuthMechanism.XOAUTH2) {
            client.authenticateXoauth2(username, fetchToken(), xoauth2InitialResponse);
        } else {
            client.authenticate(chosen, username, password);
        }
    }

    /** AUTO: SASL PLAIN, then SASL LOGIN, then USER/PASS. Whether clear text is allowed at all is checked at endpoint creation. */
    AuthMechanism resolve(Capabilities capabilities) {
        if (mechanism != AuthMechanism.AUTO) {
            return mechanism;
        }
        if (capabilities.saslMechanisms().contains("PLAIN")) {
            return AuthMechanism.PLAIN;
        }
        if (capabilities.saslMechanisms().contains("LOGIN")) {
            return AuthMechanism.LOGIN;
        }
        return AuthMechanism.USER;
    }

    private String fetchToken() throws IOException {
        try {
            return accessToken.call();
        } catch (Exception e) {
            throw new IOException("accessTokenProvider failed to supply a token for " + username + ": "
                                  + e.getClass().getSimpleName(),
                    e);
        }
    }

    @Override
    public String toString() {
        return "Login[" + mechanism + " " + username + "]";
    }
}
