package dev.pop3x.mapping;

import java.util.HashSet;
import java.util.Set;

import org.apache.camel.support.DefaultHeaderFilterStrategy;

/**
 * The pop3x default header filter: a mail must not be able to steer the route, so on the way in any header whose
 * name starts with {@code camel}, or is {@code delete}, {@code copyTo} or {@code moveTo}, is dropped. Names are
 * compared case-insensitively ({@code CAMELfoo}, {@code DELETE} and {@code copyto} are dropped too).
 */
public class Pop3xHeaderFilterStrategy extends DefaultHeaderFilterStrategy {

    public Pop3xHeaderFilterStrategy() {
        // lowerCase: the starts-with check is also tried on the lower-cased name, so "camel" covers every spelling
        setLowerCase(true);
        setInFilterStartsWith("camel");
        // caseInsensitive: the exact-name set is compared with equalsIgnoreCase
        setCaseInsensitive(true);
        setInFilter(new HashSet<>(Set.of("delete", "copyTo", "moveTo")));
        // pop3x never sends headers out; should someone reuse this strategy outbound, keep Camel's own headers in
        setOutFilterStartsWith(CAMEL_FILTER_STARTS_WITH);
    }
}
