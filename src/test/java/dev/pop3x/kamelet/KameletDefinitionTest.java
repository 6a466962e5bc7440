package dev.pop3x.kamelet;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.util.json.JsonObject;
import org.apache.camel.util.json.Jsoner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the pop3x-source Kamelet (in the jar at kamelets/, where camel-kamelet looks by default) in step with the
 * component's generated metadata: every Kamelet property is a real endpoint option of the same type and values, and
 * reaches the template. Running the Kamelet against Dovecot is examples/yaml's YamlExampleIT.
 */
class KameletDefinitionTest {

    private static final String RESOURCE = "kamelets/pop3x-source.kamelet.yaml";

    /** Properties that go into the URI's path, not its query. */
    private static final Set<String> PATH_OPTIONS = Set.of("host", "port");

    private static Map<String, Object> kamelet;
    private static Map<String, Object> definition;
    private static Map<String, Map<String, Object>> properties;
    private static JsonObject componentOptions;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws Exception {
        try (InputStream in = KameletDefinitionTest.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            assertThat(in).as(RESOURCE + " on the class path").isNotNull();
            kamelet = new Yaml().load(in);
        }
        definition = (Map<String, Object>) ((Map<String, Object>) kamelet.get("spec")).get("definition");
        properties = (Map<String, Map<String, Object>>) definition.get("properties");
        JsonObject json = (JsonObject) Jsoner.deserialize(Files.readString(
                Paths.get("src/generated/resources/META-INF/dev/pop3x/pop3x.json"), StandardCharsets.UTF_8));
        componentOptions = (JsonObject) json.get("properties");
    }

    @Test
    @SuppressWarnings("unchecked")
    void isASourceKameletNamedAsItsFile() {
        assertThat(kamelet.get("kind")).isEqualTo("Kamelet");
        Map<String, Object> metadata = (Map<String, Object>) kamelet.get("metadata");
        assertThat(metadata.get("name")).isEqualTo("pop3x-source");
        assertThat((Map<String, Object>) metadata.get("labels"))
                .containsEntry("camel.apache.org/kamelet.type", "source");
        assertThat((List<String>) definition.get("required")).containsExactlyInAnyOrder("host", "username", "password");
    }

    @Test
    void everyPropertyIsAnEndpointOptionOfTheSameKind() {
        List<String> problems = new ArrayList<>();
        properties.forEach((name, p) -> {
            JsonObject option = (JsonObject) componentOptions.get(name);
            if (option == null) {
                problems.add(name + " is not an option of pop3x");
                return;
            }
            String expected = switch (option.getString("type")) {
                case "boolean" -> "boolean";
                case "integer" -> "integer";
                default -> "string"; // string, enum, duration (14d, 30s)
            };
            if (!expected.equals(p.get("type"))) {
                problems.add(name + " has type " + p.get("type") + ", the option is " + option.getString("type"));
            }
            if (option.containsKey("enum")) {
                List<String> values = option.getCollection("enum").stream().map(String::valueOf).toList();
                Object kameletValues = p.get("enum");
                // xoauth2 needs an accessTokenProvider bean, which a Kamelet property cannot carry
                List<String> allowed = name.equals("authMechanism")
                        ? values.stream().filter(v -> !v.equals("xoauth2")).toList()
                        : values;
                if (!allowed.equals(kameletValues)) {
                    problems.add(name + " allows " + kameletValues + ", the option " + allowed);
                }
            }
            if (p.get("title") == null || p.get("description") == null) {
                problems.add(name + " has no title or description");
            }
        });
        assertThat(problems).isEmpty();
    }

    @Test
    void credentialsAreMarkedSecret() {
        assertThat(properties.get("password")).containsEntry("format", "password");
        assertThat(properties.get("password").get("x-descriptors").toString()).contains("password", "credentials");
        assertThat(properties.get("username").get("x-descriptors").toString()).contains("credentials");
        assertThat(componentOptions.getMap("password").get("secret")).isEqualTo(true);
    }

    /**
     * A property without a value must leave its option out of the URI ({{?name}}): the component's value — its default
     * or camel.component.pop3x.* — applies then, instead of a copy of the default that would hide that setting.
     */
    @Test
    @SuppressWarnings("unchecked")
    void everyPropertyReachesTheTemplateAndUnsetOnesAreLeftOut() {
        Map<String, Object> from = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) kamelet
                .get("spec")).get("template")).get("from");
        assertThat(from.get("uri")).isEqualTo("pop3x:{{host}}:{{port}}");
        Map<String, Object> parameters = (Map<String, Object>) from.get("parameters");
        List<String> required = (List<String>) definition.get("required");
        for (String name : properties.keySet()) {
            if (PATH_OPTIONS.contains(name)) {
                assertThat(required.contains(name) || properties.get(name).containsKey("default"))
                        .as(name + " is in the path: required or with a default").isTrue();
                continue;
            }
            String placeholder = required.contains(name) ? "{{" + name + "}}" : "{{?" + name + "}}";
            assertThat(parameters).as("template parameter " + name).containsEntry(name, placeholder);
            assertThat(properties.get(name)).as(name + ": its default is the component's").doesNotContainKey("default");
        }
        assertThat(parameters.keySet()).isSubsetOf(properties.keySet());
        List<Object> steps = (List<Object>) from.get("steps");
        assertThat(steps).last().isEqualTo(Map.of("to", "kamelet:sink"));
    }
}
