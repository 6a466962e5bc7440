package dev.pop3x.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The multi-line reader on its own, fed in chunks of every small size so that each case crosses buffer reads. */
class Pop3MultilineTest {

    @ParameterizedTest(name = "chunk size {0}")
    @ValueSource(ints = { 1, 2, 3, 5, 7, 64, 100_000 })
    void unstuffingAndLineEndsAcrossReadBoundaries(int chunk) throws IOException {
        assertBody(chunk, "a\r\n..b\r\n.\r\n", "a\r\n.b\r\n");
        assertBody(chunk, "..\r\n.\r\n", ".\r\n");                    // a line that is ".." is a single dot
        assertBody(chunk, "...\r\n.\r\n", "..\r\n");
        assertBody(chunk, ".\r\n", "");                               // empty body
        assertBody(chunk, "x\ny\n.\n", "x\ny\n");                      // bare LF, bare LF terminator
        assertBody(chunk, "x\r\ny\n.\r\n", "x\r\ny\n");                // mixed, copied as received
        assertBody(chunk, "\r\n\r\n.\r\n", "\r\n\r\n");                // empty lines
        assertBody(chunk, ".x\r\n.\r\n", "x\r\n");                     // lenient: any leading dot is stuffing
        assertBody(chunk, "a.\r\n.b\r\n .\r\n.\r\n", "a.\r\nb\r\n .\r\n");
        assertBody(chunk, "nul\0byte\r\n.\r\n", "nul\0byte\r\n");
    }

    @Test
    void bytesAfterTheTerminatorStayForTheNextAnswer() throws IOException {
        Pop3Input in = input("one\r\n.\r\n+OK next\r\ntwo\r\n.\r\n", 3);
        assertThat(body(in)).isEqualTo("one\r\n");
        assertThat(in.readLine("RETR 2")).isEqualTo("+OK next");
        assertThat(body(in)).isEqualTo("two\r\n");
    }

    @ParameterizedTest
    @CsvSource({ "'a\r\nb'", "'a\r\n.'", "'a\r\n.\r'", "''" })
    void eofBeforeTheTerminatorIsAProtocolError(String wire) {
        Pop3Input in = input(wire, 2);
        assertThatThrownBy(() -> in.readMultiline(new ByteArrayOutputStream(), "RETR 3"))
                .isInstanceOf(Pop3ProtocolException.class)
                .hasMessageContaining("connection closed in the middle of RETR 3");
    }

    @Test
    void statusLineLimit() throws IOException {
        String ok4096 = "+OK " + "x".repeat(Pop3Input.MAX_STATUS_LINE - 4);
        assertThat(input(ok4096 + "\r\n", 1000).readLine("NOOP")).isEqualTo(ok4096);
        assertThatThrownBy(() -> input(ok4096 + "y\r\n", 1000).readLine("NOOP"))
                .isInstanceOf(Pop3ProtocolException.class).hasMessageContaining("4096");
        // no line end at all: must not wait for more than the limit
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'x';
            }
        };
        assertThatThrownBy(() -> new Pop3Input(endless).readLine("CAPA"))
                .isInstanceOf(Pop3ProtocolException.class).hasMessageContaining("4096");
    }

    @Test
    void statusLineAcceptsBareLfAndDecodesUtf8Leniently() throws IOException {
        Pop3Input in = input("+OK caf\u00e9\n-ERR \u00ff\r\n", 1);
        assertThat(in.readLine("A")).isEqualTo("+OK café");
        assertThat(in.readLine("B")).startsWith("-ERR ");
    }

    @Test
    void oneMegabyteLineIsStreamedWithBoundedMemory() throws IOException {
        int lineLength = 1024 * 1024;
        // generated on the fly: neither side ever holds the message whole
        InputStream wire = new InputStream() {
            private long i;
            private final byte[] tail = "\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);

            @Override
            public int read() {
                if (i < lineLength) {
                    return 'a' + (int) (i++ % 26);
                }
                int t = (int) (i++ - lineLength);
                return t < tail.length ? tail[t] : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n = 0;
                while (n < len) {
                    int c = read();
                    if (c < 0) {
                        return n == 0 ? -1 : n;
                    }
                    b[off + n++] = (byte) c;
                }
                return n;
            }
        };
        CountingSink sink = new CountingSink();
        long written = new Pop3Input(wire).readMultiline(sink, "RETR 1");

        CRC32 expected = new CRC32();
        for (int i = 0; i < lineLength; i++) {
            expected.update('a' + i % 26);
        }
        expected.update('\r');
        expected.update('\n');
        assertThat(written).isEqualTo(lineLength + 2);
        assertThat(sink.count).isEqualTo(lineLength + 2);
        assertThat(sink.crc.getValue()).isEqualTo(expected.getValue());
        assertThat(sink.largestWrite).isLessThanOrEqualTo(64 * 1024);
        assertThat(sink.singleByteWrites).isZero();
    }

    @Test
    void plainLinesGoToTheSinkInBulk() throws IOException {
        CountingSink sink = new CountingSink();
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            wire.append("line ").append(i).append("\r\n");
        }
        wire.append(".\r\n");
        new Pop3Input(new ByteArrayInputStream(wire.toString().getBytes(StandardCharsets.US_ASCII)))
                .readMultiline(sink, "RETR 1");
        assertThat(sink.writes).isLessThan(5);
    }

    static final class CountingSink extends OutputStream {
        long count;
        int writes;
        int singleByteWrites;
        int largestWrite;
        final CRC32 crc = new CRC32();

        @Override
        public void write(int b) {
            singleByteWrites++;
            count++;
            crc.update(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writes++;
            count += len;
            largestWrite = Math.max(largestWrite, len);
            crc.update(b, off, len);
        }
    }

    private static void assertBody(int chunk, String wire, String expected) throws IOException {
        // a trailing status line proves the reader stopped exactly after the terminator
        Pop3Input in = input(wire + "+OK after\r\n", chunk);
        assertThat(body(in)).as("body of %s", wire.replace("\r", "\\r").replace("\n", "\\n")).isEqualTo(expected);
        assertThat(in.readLine("NOOP")).isEqualTo("+OK after");
    }

    private static String body(Pop3Input in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = in.readMultiline(out, "RETR 1");
        assertThat(n).isEqualTo(out.size());
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** An input stream that hands out at most chunk bytes per read, like a slow network. */
    private static Pop3Input input(String wire, int chunk) {
        byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
        return new Pop3Input(new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, chunk));
            }
        });
    }
}
