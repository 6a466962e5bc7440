package dev.pop3x;

/**
 * Supplies OAuth2 access tokens for {@code authMechanism=xoauth2}. The consumer asks for a token at every connect, so
 * an implementation should return a fresh (or cached and still valid) token each time.
 */
@FunctionalInterface
public interface AccessTokenProvider {

    /** @return a valid access token for the endpoint's user; never logged */
    String accessToken() throws Exception;
}
