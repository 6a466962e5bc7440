package dev.pop3x.springboot;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.camel.util.json.JsonObject;
import org.apache.camel.util.json.Jsoner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.BeanUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the hand-written {@link Pop3xComponentConfiguration} in step with the component: its fields must be exactly the
 * {@code componentProperties} of pop3x.json (read from the component jar on the class path), with matching types,
 * unset by default, and with the option's description in the generated IDE metadata.
 */
class Pop3xComponentConfigurationTest {

    private static final String PREFIX = "camel.component.pop3x.";

    private static Map<String, JsonObject> componentOptions;

    @BeforeAll
    static void readComponentJson() throws Exception {
        URL json = Pop3xComponentConfigurationTest.class.getClassLoader().getResource("META-INF/dev/pop3x/pop3x.json");
        assertThat(json).as("pop3x.json of the component jar on the test class path").isNotNull();
        assertThat(json.toString()).as("read from the component jar").startsWith("jar:").contains("camel-pop3x-");
        JsonObject root = (JsonObject) Jsoner.deserialize(read(json));
        JsonObject properties = root.getMap("componentProperties");
        componentOptions = new LinkedHashMap<>();
        properties.forEach((name, option) -> componentOptions.put(name, (JsonObject) option));
        assertThat(componentOptions).as("componentProperties").hasSizeGreaterThan(20);
    }

    @Test
    void hasAFieldForEveryComponentOptionAndNoOther() {
        assertThat(new TreeSet<>(fields().keySet())).isEqualTo(new TreeSet<>(componentOptions.keySet()));
    }

    @Test
    void eachFieldHasTheOptionsTypeAndAGetterAndSetter() {
        Map<String, Field> fields = fields();
        componentOptions.forEach((name, option) -> {
            Field field = fields.get(name);
            assertThat(field).as(name).isNotNull();
            assertThat(field.getType().getName()).as("type of " + name).isEqualTo(expectedType(option));
            var descriptor = BeanUtils.getPropertyDescriptor(Pop3xComponentConfiguration.class, name);
            assertThat(descriptor).as("bean property " + name).isNotNull();
            assertThat(descriptor.getReadMethod()).as("getter of " + name).isNotNull();
            assertThat(descriptor.getWriteMethod()).as("setter of " + name).isNotNull();
        });
    }

    @Test
    void everyOptionIsUnsetByDefaultSoTheComponentKeepsItsOwnDefaults() {
        Pop3xComponentConfiguration fresh = new Pop3xComponentConfiguration();
        for (String name : componentOptions.keySet()) {
            Object value = readProperty(fresh, name);
            assertThat(value).as(name + " must be null until set").isNull();
        }
    }

    @Test
    void theBeanTypedOptionsAreTheOnesTheConverterResolves() {
        Set<String> objectTypes = componentOptions.values().stream()
                .filter(option -> "object".equals(option.getString("type")))
                .map(option -> option.getString("javaType"))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> converted = Pop3xComponentConverter.BEAN_TYPES.stream().map(Class::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(converted).isEqualTo(objectTypes);
    }

    @Test
    void ideMetadataDescribesEveryOptionWithItsComponentDescriptionAndNoDefault() throws Exception {
        Map<String, JsonObject> metadata = starterMetadata();
        componentOptions.forEach((name, option) -> {
            JsonObject property = metadata.get(PREFIX + kebab(name));
            assertThat(property).as("metadata of " + PREFIX + kebab(name)).isNotNull();
            assertThat(normalize(property.getString("description")))
                    .as("description of " + name)
                    .isEqualTo(normalize(option.getString("description")));
            assertThat(property.containsKey("defaultValue")).as("default in metadata of " + name).isFalse();
        });
    }

    /** The metadata the configuration processor wrote for this starter (not the one of camel-spring-boot). */
    private static Map<String, JsonObject> starterMetadata() throws Exception {
        URL classes = Pop3xComponentConfiguration.class.getProtectionDomain().getCodeSource().getLocation();
        URL json;
        try (URLClassLoader own = new URLClassLoader(new URL[] { classes }, null)) {
            json = own.getResource("META-INF/spring-configuration-metadata.json");
            assertThat(json).as("spring-configuration-metadata.json next to the starter classes").isNotNull();
            JsonObject root = (JsonObject) Jsoner.deserialize(read(json));
            Map<String, JsonObject> byName = new HashMap<>();
            for (Object property : root.getCollection("properties")) {
                JsonObject p = (JsonObject) property;
                byName.put(p.getString("name"), p);
            }
            return byName;
        }
    }

    private static String expectedType(JsonObject option) {
        if ("duration".equals(option.getString("type"))) {
            return Duration.class.getName();
        }
        return switch (option.getString("javaType")) {
            case "boolean" -> Boolean.class.getName();
            case "int" -> Integer.class.getName();
            case "long" -> Long.class.getName();
            default -> option.getString("javaType");
        };
    }

    private static Map<String, Field> fields() {
        Map<String, Field> fields = new LinkedHashMap<>();
        for (Field field : Pop3xComponentConfiguration.class.getDeclaredFields()) {
            if (!Modifier.isStatic(field.getModifiers())) {
                fields.put(field.getName(), field);
            }
        }
        return fields;
    }

    private static Object readProperty(Object bean, String name) {
        try {
            return BeanUtils.getPropertyDescriptor(bean.getClass(), name).getReadMethod().invoke(bean);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(name, e);
        }
    }

    /** Spring Boot's canonical form: {@code maxAttempts} -> {@code max-attempts}. */
    static String kebab(String camelCase) {
        return camelCase.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private static String normalize(String text) {
        return text == null ? null : text.replaceAll("\\s+", " ").strip();
    }

    private static String read(URL url) throws IOException {
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
