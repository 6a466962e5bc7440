package dev.pop3x.mapping;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.pop3x.mapping.RouteViewDiff.Divergence;
import dev.pop3x.testsupport.HostileMessages;
import dev.pop3x.testsupport.SharedCorpus;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.fail;

/**
 * The route's view of every corpus mail and every hostile mail (decoded Subject and From, body text, each named
 * part's bytes) against an independent MIME parser, Apache James mime4j. A divergence fails the test unless
 * docs/mime-fidelity.md lists it as a deliberate choice; a listed one that no longer diverges fails it too.
 */
class MimeOracleTest {

    private long oursNanos;
    private long oracleNanos;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void routeViewAgreesWithMime4j() throws Exception {
        Map<String, byte[]> mails = mails();
        RouteViewDiff.Tally tally = new RouteViewDiff.Tally();
        List<Divergence> divergences = new ArrayList<>();
        CamelContext context = new DefaultCamelContext();
        context.start();
        try {
            MappedRouteView mapped = new MappedRouteView(context);
            mails.forEach((file, raw) -> divergences.addAll(compare(file, raw, mapped, tally)));
        } finally {
            context.stop();
        }

        Set<String> accepted = AcceptedDivergences.read();
        List<String> unexpected = new ArrayList<>();
        Set<String> stale = new LinkedHashSet<>(accepted);
        for (Divergence d : divergences) {
            String key = AcceptedDivergences.key(d.file(), d.field());
            stale.remove(key);
            if (!accepted.contains(key)) {
                unexpected.add(d.line());
            }
        }
        System.out.println("MIME oracle (mime4j) over " + mails.size() + " mails: " + divergences.size()
                           + " divergences, " + (divergences.size() - unexpected.size()) + " of them accepted in "
                           + AcceptedDivergences.TABLE + " (mapping " + oursNanos / 1_000_000 + " ms, mime4j "
                           + oracleNanos / 1_000_000 + " ms)");
        tally.lines().forEach(line -> System.out.println("  " + line));
        if (!unexpected.isEmpty() || !stale.isEmpty()) {
            StringBuilder message = new StringBuilder();
            if (!unexpected.isEmpty()) {
                message.append(unexpected.size()).append(" divergences from mime4j not listed in ")
                        .append(AcceptedDivergences.TABLE).append(" (file | field | ours | oracle):\n");
                unexpected.forEach(line -> message.append(line).append('\n'));
            }
            if (!stale.isEmpty()) {
                message.append(stale.size()).append(" row(s) of ").append(AcceptedDivergences.TABLE)
                        .append(" that no longer diverge (remove them):\n");
                stale.forEach(row -> message.append(row).append('\n'));
            }
            System.out.println(message);
            fail(message.toString());
        }
    }

    private List<Divergence> compare(String file, byte[] raw, MappedRouteView mapped, RouteViewDiff.Tally tally) {
        long start = System.nanoTime();
        RouteView oracle;
        try {
            oracle = Mime4jRouteView.of(raw);
        } catch (Exception | StackOverflowError e) {
            return List.of(new Divergence(file, "mail", "(mapped)", "(mime4j could not parse it: " + e + ")"));
        } finally {
            oracleNanos += System.nanoTime() - start;
        }
        start = System.nanoTime();
        RouteView ours = mapped.of(raw);
        oursNanos += System.nanoTime() - start;
        return RouteViewDiff.compare(file, ours, oracle, tally);
    }

    /** The corpus by its path in the corpus folder, then the hostile mails that are mails (not zero bytes). */
    private static Map<String, byte[]> mails() throws Exception {
        Map<String, byte[]> mails = new LinkedHashMap<>();
        Path corpus = SharedCorpus.folder();
        for (Path file : SharedCorpus.mails()) {
            mails.put(corpus.relativize(file).toString(), Files.readAllBytes(file));
        }
        for (HostileMessages.Hostile hostile : HostileMessages.all()) {
            if (hostile.bytes().length > 0) {
                mails.put("hostile/" + hostile.name(), hostile.bytes());
            }
        }
        return mails;
    }
}
