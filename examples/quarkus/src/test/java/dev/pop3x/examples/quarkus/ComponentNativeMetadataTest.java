package dev.pop3x.examples.quarkus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Native mode cannot be built here (no GraalVM/Mandrel). What can be checked: the resource patterns the component
 * jar declares for native-image each name a resource that jar really has, so a renamed file cannot silently drop
 * out of a native image.
 */
class ComponentNativeMetadataTest {

    private static final String RESOURCE_CONFIG = "META-INF/native-image/dev.pop3x/camel-pop3x/resource-config.json";

    @Test
    void everyNativeResourcePatternOfTheComponentJarMatchesAResourceInThatJar() throws Exception {
        URL url = getClass().getClassLoader().getResource(RESOURCE_CONFIG);
        assertThat(url).as("%s in the camel-pop3x jar", RESOURCE_CONFIG).isNotNull();
        assertThat(url.getProtocol()).as("read from the installed jar, not a folder").isEqualTo("jar");

        String json;
        try (InputStream in = url.openStream()) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Pattern> patterns = new ArrayList<>();
        Matcher m = Pattern.compile("\"pattern\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        while (m.find()) {
            patterns.add(Pattern.compile(m.group(1).replace("\\\\", "\\")));
        }
        assertThat(patterns).isNotEmpty();

        JarURLConnection connection = (JarURLConnection) url.openConnection();
        connection.setUseCaches(false);
        try (JarFile jar = connection.getJarFile()) {
            List<String> entries = jar.stream().map(e -> e.getName()).toList();
            for (Pattern pattern : patterns) {
                assertThat(entries).as("resources of %s matching %s", jar.getName(), pattern)
                        .anyMatch(name -> pattern.matcher(name).matches());
            }
        }
    }
}
