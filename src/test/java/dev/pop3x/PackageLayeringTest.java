package dev.pop3x;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layers of the main code, read from the import lines of its sources: the wire client knows nothing of Camel or
 * Jakarta Mail, the session nothing of Camel, the decisions nothing of Camel or the wire, mapping nothing of the
 * consumer; and no two packages depend on each other.
 */
class PackageLayeringTest {

    private static final Path SOURCES = Paths.get("src/main/java");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([a-zA-Z0-9_.]+)\\.[A-Za-z0-9_*]+;",
            Pattern.MULTILINE);

    /** What each package may import besides the JDK and its own classes (prefixes). */
    private static final Map<String, List<String>> ALLOWED = Map.of(
            "dev.pop3x.protocol", List.of(),
            "dev.pop3x.session", List.of("dev.pop3x.protocol"),
            "dev.pop3x.ledger", List.of("org.apache.camel", "org.slf4j"),
            "dev.pop3x.policy", List.of("dev.pop3x.ledger", "dev.pop3x.session", "org.slf4j"),
            "dev.pop3x.mapping", List.of("dev.pop3x.session", "jakarta.", "org.eclipse.angus", "org.apache.camel",
                    "org.slf4j"));

    @Test
    void everyLayerImportsOnlyWhatItMay() throws IOException {
        Map<String, Set<String>> imports = importsByPackage();
        assertThat(imports).containsKeys(ALLOWED.keySet().toArray(String[]::new));
        List<String> violations = new ArrayList<>();
        ALLOWED.forEach((pkg, allowed) -> imports.get(pkg).stream()
                .filter(i -> !i.startsWith("java.") && !i.startsWith("javax.") && !i.equals(pkg))
                .filter(i -> i.startsWith(pkg + ".") ? false : allowed.stream().noneMatch(i::startsWith))
                .forEach(i -> violations.add(pkg + " imports " + i)));
        assertThat(violations).isEmpty();
    }

    @Test
    void noTwoPackagesDependOnEachOther() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        importsByPackage().forEach((pkg, imported) -> graph.put(pkg, imported.stream()
                .filter(i -> i.startsWith("dev.pop3x")).map(PackageLayeringTest::ownPackage)
                .filter(i -> !i.equals(pkg)).collect(TreeSet::new, Set::add, Set::addAll)));
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            if (reaches(graph, start, start, new HashSet<>())) {
                cycles.add(start);
            }
        }
        assertThat(cycles).as("packages on a dependency cycle; graph: " + graph).isEmpty();
    }

    private static boolean reaches(Map<String, Set<String>> graph, String from, String target, Set<String> seen) {
        for (String next : graph.getOrDefault(from, Set.of())) {
            if (next.equals(target) || seen.add(next) && reaches(graph, next, target, seen)) {
                return true;
            }
        }
        return false;
    }

    /** A class's package: an import of a nested class names the outer class, which starts with a capital. */
    private static String ownPackage(String imported) {
        String[] parts = imported.split("\\.");
        StringBuilder pkg = new StringBuilder();
        for (String part : parts) {
            if (Character.isUpperCase(part.charAt(0))) {
                break;
            }
            pkg.append(pkg.length() == 0 ? "" : ".").append(part);
        }
        return pkg.toString();
    }

    private static Map<String, Set<String>> importsByPackage() throws IOException {
        Map<String, Set<String>> imports = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = SOURCES.relativize(file.getParent()).toString().replace('/', '.').replace('\\', '.');
                Set<String> found = imports.computeIfAbsent(pkg, p -> new TreeSet<>());
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    found.add(m.group(1));
                }
            }
        }
        return imports;
    }
}
