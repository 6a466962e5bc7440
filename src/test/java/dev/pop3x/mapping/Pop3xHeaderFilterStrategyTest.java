package dev.pop3x.mapping;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class Pop3xHeaderFilterStrategyTest {

    private final Pop3xHeaderFilterStrategy filter = new Pop3xHeaderFilterStrategy();
    private final DefaultExchange exchange = new DefaultExchange(new DefaultCamelContext());

    @ParameterizedTest
    @ValueSource(strings = {
            "CamelFoo", "camelPop3xUid", "CAMELFILENAME", "cAmEl", "delete", "DELETE", "Delete",
            "copyTo", "COPYTO", "copyto", "moveTo", "MOVETO" })
    void dropsOnTheWayIn(String name) {
        assertThat(filter.applyFilterToExternalHeaders(name, "x", exchange)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = { "Subject", "From", "Message-ID", "Received", "X-Camel", "deleted", "copyToo", "X-Delete" })
    void keepsMailHeaders(String name) {
        assertThat(filter.applyFilterToExternalHeaders(name, "x", exchange)).isFalse();
    }
}
