package dev.pop3x.mapping;

import java.nio.charset.StandardCharsets;

import dev.pop3x.session.SpooledMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class HeaderBlockTest {

    private static final int LIMIT = 64;

    private static boolean longerThanLimit(String mail) throws Exception {
        return MailHeaders.blockLongerThan(SpooledMessage.of(mail.getBytes(StandardCharsets.ISO_8859_1)), LIMIT);
    }

    @ParameterizedTest
    @ValueSource(strings = { "\r\n\r\n", "\n\n", "\r\r", "\r\n\n", "\n\r\n" })
    void anEmptyLineEndsTheHeaderBlockWhateverTheLineEnds(String end) throws Exception {
        assertThat(longerThanLimit("Subject: a" + end + "x".repeat(1000))).isFalse();
    }

    @Test
    void aLongHeaderBlockIsTooLongButALongBodyIsNot() throws Exception {
        assertThat(longerThanLimit("Subject: " + "y".repeat(LIMIT) + "\r\n\r\nbody")).isTrue();
        assertThat(longerThanLimit("Subject: a\r\n\r\n" + "z".repeat(10 * LIMIT))).isFalse();
        assertThat(longerThanLimit("X: " + "y".repeat(LIMIT))).isTrue(); // headers only, no empty line
        assertThat(longerThanLimit("X: " + "y".repeat(LIMIT - 10))).isFalse();
        assertThat(longerThanLimit("\r\n" + "z".repeat(10 * LIMIT))).isFalse(); // no headers at all
    }
}
