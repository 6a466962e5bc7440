package dev.pop3x;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/pop3x-component.md as committed is what {@link ComponentDocs} renders from the generated component JSON. The
 * build rewrites the page before the tests run, except under CI=true: there a stale committed page fails here.
 */
class ComponentDocsTest {

    @Test
    void theCommittedPageIsWhatTheBuildGenerates() throws Exception {
        String rendered = ComponentDocs.render(ComponentDocs.JSON);
        assertThat(rendered).contains("| `delete` |").contains("| `security` |").contains("CamelPop3xUid");
        assertThat(rendered.substring(rendered.indexOf("## Component options"))).contains("| `sharedPollThreads` |")
                .contains("| `ledgerSyncThreads` |").contains("| `dataSource` |").contains("| `clusterService` |");
        assertThat(Files.readString(ComponentDocs.PAGE, StandardCharsets.UTF_8))
                .as(ComponentDocs.PAGE + " is stale: run `mvn process-test-classes` and commit it")
                .isEqualTo(rendered);
    }
}
