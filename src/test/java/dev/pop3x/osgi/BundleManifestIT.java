package dev.pop3x.osgi;

import java.io.File;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

import javax.xml.parsers.DocumentBuilderFactory;

import aQute.bnd.header.Attrs;
import aQute.bnd.header.Parameters;
import aQute.bnd.osgi.Analyzer;
import aQute.bnd.osgi.Descriptors.PackageRef;
import aQute.bnd.osgi.Jar;
import aQute.bnd.version.MavenVersion;
import aQute.bnd.version.Version;
import aQute.bnd.version.VersionRange;
import dev.pop3x.Pop3xComponent;
import jakarta.mail.Session;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * The component jar is an OSGi bundle a Karaf user can install: its manifest imports every package its classes use
 * and nothing else, with version ranges the Camel line and the mail bundles of the feature satisfy, exports the API
 * at the project version, carries Camel's service files; the Karaf features file names this bundle and bundles that
 * exist and satisfy its imports. Runs on the packaged jar (failsafe puts target/camel-pop3x-*.jar on the class path).
 * Not run here: a Karaf container (camel-karaf's bundles are not served to this build; docs/karaf.md).
 */
class BundleManifestIT {

    /** The API: packages whose types users name (option enums, ledger SPI, exceptions of a failed poll). */
    private static final Set<String> API = Set.of(
            "dev.pop3x", "dev.pop3x.ledger", "dev.pop3x.policy", "dev.pop3x.protocol", "dev.pop3x.session");
    /** Packages deliberately kept out of the API (routes see Pop3xMessage only through Camel's Message types). */
    private static final Set<String> PRIVATE = Set.of("dev.pop3x.mapping");
    /** Imports allowed although no class references them: package -> why. Each must be resolution:=optional. */
    private static final Map<String, String> OPTIONAL_WITH_REASON = Map.of();
    /** camel-karaf's release the features file refers to; its artifacts are not served here, so not resolved. */
    private static final String CAMEL_KARAF_VERSION = "4.18.1";
    /** Packages Karaf itself exports, with their versions: pax-logging-api 2.3.2 of Karaf 4.4.10 (read from its jar). */
    private static final Map<String, List<String>> KARAF_EXPORTS = Map.of("org.slf4j", List.of("1.7.36", "2.0.6"));
    /** The Camel versions the one jar supports: the 4.18 line (camel-karaf, camel-quarkus) and 4.22. */
    private static final List<String> SUPPORTED_CAMEL = List.of("4.18.0", "4.18.1", "4.18.2", "4.22.0");

    private static Path jarPath;
    private static String projectVersion;
    private static Manifest manifest;
    private static Set<String> referenced;
    private static Set<String> contained;
    private static Parameters imports;
    private static Parameters exports;

    @BeforeAll
    static void readBundle() throws Exception {
        jarPath = Path.of(Pop3xComponent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(jarPath.getFileName().toString())
                .as("the component must come from the packaged jar (run by failsafe after package): %s", jarPath)
                .matches("camel-pop3x-.*\\.jar");
        try (Jar jar = new Jar(jarPath.toFile()); Analyzer analyzer = new Analyzer()) {
            manifest = jar.getManifest();
            Properties pom = new Properties();
            try (InputStream in = jar.getResource("META-INF/maven/dev.pop3x/camel-pop3x/pom.properties")
                    .openInputStream()) {
                pom.load(in);
            }
            projectVersion = pom.getProperty("version");
            // the packages the classes really reference, found from their byte code (not from the manifest)
            analyzer.setJar(jar);
            analyzer.analyze();
            referenced = names(analyzer.getReferred().keySet());
            contained = names(analyzer.getContained().keySet());
        }
        imports = header("Import-Package");
        exports = header("Export-Package");
    }

    @Test
    void importsEveryPackageTheClassesUseAndNothingElse() {
        Set<String> external = new TreeSet<>(referenced);
        external.removeAll(contained);
        Set<String> imported = keys(imports);

        Set<String> missing = new TreeSet<>(external);
        missing.removeAll(imported);
        missing.removeIf(p -> p.startsWith("java."));

        Set<String> unneeded = new TreeSet<>(imported);
        unneeded.removeAll(external);
        unneeded.removeIf(
                p -> OPTIONAL_WITH_REASON.containsKey(p) && "optional".equals(imports.get(p).get("resolution:")));

        assertSoftly(softly -> {
            softly.assertThat(missing)
                    .as("packages the classes use but the bundle does not import (the bundle would fail at runtime)")
                    .isEmpty();
            softly.assertThat(unneeded).as("imports no class uses (imports of its own packages included): remove "
                                           + "them, or list each with its reason in OPTIONAL_WITH_REASON and import it resolution:=optional")
                    .isEmpty();
            softly.assertThat(manifest.getMainAttributes().getValue("DynamicImport-Package"))
                    .as("no DynamicImport-Package: it would hide a missing import").isNull();
        });
    }

    @Test
    void everyImportOutsideTheJdkHasAVersionRange() {
        Set<String> jdk = jdkPackages();
        for (Map.Entry<String, Attrs> e : imports.entrySet()) {
            String p = strip(e.getKey());
            String version = e.getValue().get("version");
            if (jdk.contains(p)) {
                assertThat(version).as("JDK package %s is provided by the system bundle: no version", p).isNull();
            } else {
                assertThat(version).as("import %s needs a version range", p).isNotNull();
                assertThat(new VersionRange(version).isRange())
                        .as("import %s: a range, not a bare minimum (%s)", p, version)
                        .isTrue();
            }
        }
    }

    @Test
    void camelImportsAcceptTheWholeSupportedCamelLine() {
        List<String> versions = new ArrayList<>(SUPPORTED_CAMEL);
        versions.add(System.getProperty("pop3x.camelVersion", "4.22.0")); // the Camel this build compiled against
        versions.add(CAMEL_KARAF_VERSION);
        Map<String, String> camelImports = new TreeMap<>();
        imports.forEach((p, attrs) -> {
            if (strip(p).startsWith("org.apache.camel")) {
                camelImports.put(strip(p), attrs.get("version"));
            }
        });
        assertThat(camelImports).as("the component uses Camel").containsKeys("org.apache.camel",
                "org.apache.camel.support");
        camelImports.forEach((p, range) -> {
            assertThat(range).as("Camel 4 jars carry no package versions: %s needs an explicit range", p).isNotNull();
            VersionRange r = new VersionRange(range);
            for (String v : versions) {
                assertThat(r.includes(Version.parseVersion(v))).as("%s %s must accept Camel %s", p, range, v).isTrue();
            }
            assertThat(r.includes(Version.parseVersion("5.0.0"))).as("%s %s must not claim Camel 5", p, range)
                    .isFalse();
        });
    }

    @Test
    void exportsTheApiAtTheProjectVersion() {
        String osgiVersion = MavenVersion.parseMavenString(projectVersion).getOSGiVersion().toString();
        assertThat(attribute("Bundle-SymbolicName")).isEqualTo("dev.pop3x.camel-pop3x");
        assertThat(attribute("Bundle-Version")).isEqualTo(osgiVersion);
        assertThat(attribute("Bundle-ManifestVersion")).isEqualTo("2");

        Set<String> own = new TreeSet<>(contained);
        own.removeIf(p -> !p.startsWith("dev.pop3x"));
        Set<String> unclassified = new TreeSet<>(own);
        unclassified.removeAll(API);
        unclassified.removeAll(PRIVATE);
        assertThat(unclassified).as("new packages: export them (src/main/bnd/camel-pop3x.bnd and API here) if users "
                                    + "name their types, else add them to PRIVATE here")
                .isEmpty();

        assertThat(keys(exports)).as("exported packages").isEqualTo(new TreeSet<>(API));
        exports.forEach((p, attrs) -> {
            assertThat(attrs.get("version")).as("version of exported %s", p).isEqualTo(osgiVersion);
            // an API type must not expose a type of a private package: other bundles could not load it
            String uses = attrs.get("uses:");
            if (uses != null) {
                for (String used : uses.split(",")) {
                    assertThat(PRIVATE).as("exported %s uses private package %s", p, used).doesNotContain(used.trim());
                }
            }
        });
    }

    @Test
    void camelsServiceFilesAreInTheBundle() throws Exception {
        Map<String, String> services = Map.of(
                "META-INF/services/org/apache/camel/component/pop3x", "dev.pop3x.Pop3xComponent",
                "META-INF/services/org/apache/camel/configurer/pop3x-component", "dev.pop3x.Pop3xComponentConfigurer",
                "META-INF/services/org/apache/camel/configurer/pop3x-endpoint", "dev.pop3x.Pop3xEndpointConfigurer",
                "META-INF/services/org/apache/camel/urifactory/pop3x-endpoint", "dev.pop3x.Pop3xEndpointUriFactory",
                "META-INF/services/org/apache/camel/dev-console/pop3x", "dev.pop3x.Pop3xDevConsole");
        try (Jar jar = new Jar(jarPath.toFile())) {
            for (Map.Entry<String, String> s : services.entrySet()) {
                assertThat(jar.getResource(s.getKey())).as("service file %s in the bundle", s.getKey()).isNotNull();
                Properties p = new Properties();
                try (InputStream in = jar.getResource(s.getKey()).openInputStream()) {
                    p.load(in);
                }
                String cls = p.getProperty("class");
                assertThat(cls).as("class= in %s", s.getKey()).isEqualTo(s.getValue());
                assertThat(jar.getResource(cls.replace('.', '/') + ".class")).as("%s in the bundle", cls).isNotNull();
            }
            assertThat(jar.getResource("META-INF/dev/pop3x/pop3x.json")).as("component metadata").isNotNull();
        }
    }

    @Test
    void featuresFileInstallsThisBundleWithBundlesThatSatisfyItsImports() throws Exception {
        Path features = jarPath.getParent().resolve("feature/features.xml");
        assertThat(features).as("the filtered features file (mvn package)").exists();
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setNamespaceAware(true);
        Document doc = dbf.newDocumentBuilder().parse(features.toFile()); // throws unless well-formed
        Element root = doc.getDocumentElement();
        assertThat(root.getLocalName()).isEqualTo("features");
        assertThat(root.getNamespaceURI()).startsWith("http://karaf.apache.org/xmlns/features/v1.");
        assertThat(Files.readString(features)).as("every ${...} filtered").doesNotContain("${");

        Element feature = only(root, "feature");
        assertThat(feature.getAttribute("name")).isEqualTo("camel-pop3x");
        assertThat(feature.getAttribute("version")).isEqualTo(projectVersion);

        Map<String, String> requiredFeatures = new HashMap<>();
        for (Element f : children(feature, "feature")) {
            requiredFeatures.put(f.getTextContent().trim(), f.getAttribute("version"));
        }
        assertThat(requiredFeatures).containsKeys("camel-core", "spifly");
        assertThat(new VersionRange(requiredFeatures.get("camel-core"))
                .includes(Version.parseVersion(CAMEL_KARAF_VERSION)))
                .as("camel-core feature version range").isTrue();

        List<String> urls = new ArrayList<>();
        children(root, "repository").forEach(r -> urls.add(r.getTextContent().trim()));
        List<Element> bundles = children(feature, "bundle");
        bundles.forEach(b -> urls.add(b.getTextContent().trim()));
        assertThat(urls).contains("mvn:org.apache.camel.karaf/apache-camel/" + CAMEL_KARAF_VERSION + "/xml/features",
                "mvn:dev.pop3x/camel-pop3x/" + projectVersion);
        assertThat(bundles.stream().filter(b -> !"true".equals(b.getAttribute("dependency")))
                .map(b -> b.getTextContent().trim()))
                .as("the one bundle the feature itself brings")
                .containsExactly("mvn:dev.pop3x/camel-pop3x/" + projectVersion);

        // every other URL: in the local repository, at the version this build uses, and an OSGi bundle
        Map<String, Path> classPath = classPathJarsByGroupAndArtifact();
        Path repository = localRepository();
        List<Manifest> featureBundles = new ArrayList<>();
        for (String url : urls) {
            String[] gav = url.substring("mvn:".length()).split("/");
            assertThat(url).as("Maven URL").startsWith("mvn:");
            assertThat(gav.length).as("mvn:group/artifact/version[/type[/classifier]] %s", url).isBetween(3, 5);
            String ga = gav[0] + ":" + gav[1];
            if (gav[0].equals("dev.pop3x")) {
                continue; // this bundle: the jar under test
            }
            if (gav[0].equals("org.apache.camel.karaf")) {
                assertThat(gav[2]).as("camel-karaf version in %s", url).isEqualTo(CAMEL_KARAF_VERSION);
                continue; // not served to this build: cannot be resolved here (docs/karaf.md says so)
            }
            String type = gav.length > 3 ? gav[3] : "jar";
            String classifier = gav.length > 4 ? "-" + gav[4] : "";
            Path file = repository.resolve(gav[0].replace('.', '/')).resolve(gav[1]).resolve(gav[2])
                    .resolve(gav[1] + "-" + gav[2] + classifier + "." + type);
            assertThat(file).as("%s resolves (local repository)", url).exists();
            assertThat(classPath).as("%s is a dependency of the component", ga).containsKey(ga);
            assertThat(classPath.get(ga).getFileName().toString())
                    .as("%s: the version the component is built with", url)
                    .isEqualTo(file.getFileName().toString());
            try (Jar jar = new Jar(file.toFile())) {
                Manifest m = jar.getManifest();
                assertThat(m == null ? null : m.getMainAttributes().getValue("Bundle-SymbolicName"))
                        .as("%s is an OSGi bundle", url).isNotNull();
                featureBundles.add(m);
            }
        }

        // a small resolver: every import outside Camel and the JDK, of this bundle and of the feature's bundles, is
        // exported by a bundle of the feature (or by Karaf itself) within its version range
        Set<String> jdk = jdkPackages();
        Map<String, List<Version>> exported = new HashMap<>();
        KARAF_EXPORTS.forEach((p, versions) -> versions.forEach(v -> exported
                .computeIfAbsent(p, k -> new ArrayList<>()).add(Version.parseVersion(v))));
        List<Manifest> all = new ArrayList<>(featureBundles);
        all.add(manifest);
        for (Manifest m : all) {
            new Parameters(m.getMainAttributes().getValue("Export-Package")).forEach((p, a) -> exported
                    .computeIfAbsent(strip(p), k -> new ArrayList<>())
                    .add(Version.parseVersion(a.getOrDefault("version", "0.0.0"))));
        }
        for (Manifest m : all) {
            String bsn = m.getMainAttributes().getValue("Bundle-SymbolicName");
            new Parameters(m.getMainAttributes().getValue("Import-Package")).forEach((p, a) -> {
                String pkg = strip(p);
                if (jdk.contains(pkg) || pkg.startsWith("org.apache.camel")
                    || "optional".equals(a.get("resolution:"))) {
                    return;
                }
                VersionRange range = new VersionRange(a.getOrDefault("version", "0.0.0"));
                assertThat(exported.getOrDefault(pkg, List.of()).stream().anyMatch(range::includes))
                        .as("%s imports %s %s: exported by a bundle of the feature (%s)", bsn, pkg, range,
                                exported.get(pkg))
                        .isTrue();
            });
        }
    }

    // ---- helpers

    private static Parameters header(String name) {
        String value = attribute(name);
        assertThat(value).as("manifest header %s", name).isNotNull();
        return new Parameters(value);
    }

    private static String attribute(String name) {
        return manifest.getMainAttributes().getValue(name);
    }

    private static Set<String> names(Set<PackageRef> refs) {
        return refs.stream().map(PackageRef::getFQN).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> keys(Parameters parameters) {
        return parameters.keySet().stream().map(BundleManifestIT::strip).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Parameters marks a repeated key with trailing '~'. */
    private static String strip(String key) {
        return key.replace("~", "");
    }

    /** Packages the running JDK exports: in OSGi the system bundle provides them. */
    private static Set<String> jdkPackages() {
        return ModuleLayer.boot().modules().stream()
                .flatMap(m -> m.getDescriptor().exports().stream())
                .filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet());
    }

    /** group:artifact -> jar, for the jars of Maven's local repository on this test's class path. */
    private static Map<String, Path> classPathJarsByGroupAndArtifact() {
        Path repository = localRepository();
        Map<String, Path> jars = new HashMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry).toAbsolutePath();
            if (!p.startsWith(repository) || !p.toString().endsWith(".jar")) {
                continue;
            }
            Path rel = repository.relativize(p); // group/as/dirs/artifact/version/file.jar
            int n = rel.getNameCount();
            String group = rel.subpath(0, n - 3).toString().replace(File.separatorChar, '.');
            jars.put(group + ":" + rel.getName(n - 3), p);
        }
        return jars;
    }

    /** The local repository this build resolved from: the root of jakarta/mail/jakarta.mail-api/V/the.jar. */
    private static Path localRepository() {
        try {
            Path mailApi = Path.of(Session.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return mailApi.getParent().getParent().getParent().getParent().getParent().toAbsolutePath();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Element only(Element parent, String name) {
        List<Element> found = children(parent, name);
        assertThat(found).as("one <%s>", name).hasSize(1);
        return found.get(0);
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && name.equals(e.getLocalName())) {
                found.add(e);
            }
        }
        return found;
    }
}
