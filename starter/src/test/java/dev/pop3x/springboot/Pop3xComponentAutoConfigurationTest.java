package dev.pop3x.springboot;

import java.beans.PropertyDescriptor;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import javax.sql.DataSource;

import dev.pop3x.AccessTokenProvider;
import dev.pop3x.Pop3xComponent;
import dev.pop3x.Pop3xConfiguration;
import dev.pop3x.Pop3xEndpoint;
import dev.pop3x.ledger.InMemoryLedger;
import dev.pop3x.ledger.Ledger;
import dev.pop3x.policy.PoisonAction;
import dev.pop3x.protocol.Security;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.spring.boot.CamelAutoConfiguration;
import org.apache.camel.support.DefaultHeaderFilterStrategy;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.BeanUtils;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Starts Spring Boot with Camel and the auto-configurations this starter registers, and checks what
 * {@code camel.component.pop3x.*} properties do to the component's {@link Pop3xConfiguration}.
 */
class Pop3xComponentAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CamelAutoConfiguration.class))
            .withConfiguration(AutoConfigurations.of(registeredAutoConfigurations()));

    /** What META-INF/spring/...AutoConfiguration.imports registers, as Spring Boot reads it. */
    private static Class<?>[] registeredAutoConfigurations() {
        List<String> names = StreamSupport.stream(
                ImportCandidates
                        .load(AutoConfiguration.class, Pop3xComponentAutoConfigurationTest.class.getClassLoader())
                        .spliterator(),
                false)
                .filter(name -> name.startsWith("dev.pop3x."))
                .toList();
        assertThat(names).containsExactlyInAnyOrder(Pop3xComponentAutoConfiguration.class.getName(),
                Pop3xComponentConverter.class.getName());
        return names.stream().map(Pop3xComponentAutoConfigurationTest::load).toArray(Class<?>[]::new);
    }

    @Test
    void propertiesEndUpOnTheComponentsConfiguration() {
        runner.withBean("myLedger", Ledger.class, InMemoryLedger::new)
                .withPropertyValues(
                        "camel.component.pop3x.delete=true",
                        "camel.component.pop3x.maxAttempts=5",
                        "camel.component.pop3x.deleteAfter=14d",
                        "camel.component.pop3x.ledgerDirectory=/x",
                        "camel.component.pop3x.ledger=#myLedger")
                .run(context -> {
                    Pop3xConfiguration config = pop3x(context.getBean(CamelContext.class)).getConfiguration();
                    assertThat(config.isDelete()).isTrue();
                    assertThat(config.getMaxAttempts()).isEqualTo(5);
                    assertThat(config.getDeleteAfter()).isEqualTo(Duration.ofDays(14).toMillis());
                    assertThat(config.getLedgerDirectory()).isEqualTo("/x");
                    assertThat(config.getLedger()).isSameAs(context.getBean("myLedger"));
                });
    }

    @Test
    void anEndpointStartsFromTheConfiguredComponent() {
        runner.withPropertyValues("camel.component.pop3x.delete=true", "camel.component.pop3x.max-attempts=5",
                "camel.component.pop3x.delete-after=14d", "camel.component.pop3x.ledger-directory=/x")
                .run(context -> {
                    Pop3xEndpoint endpoint = context.getBean(CamelContext.class).getEndpoint(
                            "pop3x:localhost:1110?username=alice&password=secret&security=none", Pop3xEndpoint.class);
                    Pop3xConfiguration config = endpoint.getConfiguration();
                    assertThat(config.isDelete()).isTrue();
                    assertThat(config.getMaxAttempts()).isEqualTo(5);
                    assertThat(config.getDeleteAfter()).isEqualTo(Duration.ofDays(14).toMillis());
                    assertThat(config.getLedgerDirectory()).isEqualTo("/x");
                    assertThat(config.getSecurity()).isEqualTo(Security.NONE);
                });
    }

    @Test
    void durationsTakeUnitsOrPlainMilliseconds() {
        runner.withPropertyValues("camel.component.pop3x.read-timeout=30s",
                "camel.component.pop3x.connect-timeout=2500",
                "camel.component.pop3x.claim-timeout=2h", "camel.component.pop3x.delete-after=500ms")
                .run(context -> {
                    Pop3xConfiguration config = pop3x(context.getBean(CamelContext.class)).getConfiguration();
                    assertThat(config.getReadTimeout()).isEqualTo(30_000);
                    assertThat(config.getConnectTimeout()).isEqualTo(2_500);
                    assertThat(config.getClaimTimeout()).isEqualTo(Duration.ofHours(2).toMillis());
                    assertThat(config.getDeleteAfter()).isEqualTo(500);
                });
    }

    @Test
    void everyBeanTypedOptionTakesABeanReference() {
        AccessTokenProvider tokens = () -> "token";
        HeaderFilterStrategy filter = new DefaultHeaderFilterStrategy();
        SSLContextParameters ssl = new SSLContextParameters();
        DataSource db = unusedDataSource();
        runner.withBean("tokens", AccessTokenProvider.class, () -> tokens)
                .withBean("filter", HeaderFilterStrategy.class, () -> filter)
                .withBean("tls", SSLContextParameters.class, () -> ssl)
                .withBean("sharedLedger", Ledger.class, InMemoryLedger::new)
                .withBean("ledgerDb", DataSource.class, () -> db)
                .withPropertyValues(
                        "camel.component.pop3x.data-source=#ledgerDb",
                        "camel.component.pop3x.access-token-provider=#bean:tokens",
                        "camel.component.pop3x.header-filter-strategy=#filter",
                        "camel.component.pop3x.ssl-context-parameters=#bean:tls",
                        "camel.component.pop3x.ledger=#bean:sharedLedger")
                .run(context -> {
                    Pop3xConfiguration config = pop3x(context.getBean(CamelContext.class)).getConfiguration();
                    assertThat(config.getAccessTokenProvider()).isSameAs(tokens);
                    assertThat(config.getHeaderFilterStrategy()).isSameAs(filter);
                    assertThat(config.getSslContextParameters()).isSameAs(ssl);
                    assertThat(config.getLedger()).isSameAs(context.getBean("sharedLedger"));
                    assertThat(config.getDataSource()).isSameAs(db);
                });
    }

    @Test
    void aBeanReferenceThatDoesNotFitStopsTheAppNamingTheProperty() {
        runner.withBean("notALedger", String.class, () -> "text")
                .withPropertyValues("camel.component.pop3x.ledger=#notALedger")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("camel.component.pop3x.ledger"));
        runner.withPropertyValues("camel.component.pop3x.ledger=#missing")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("camel.component.pop3x.ledger")
                        .hasStackTraceContaining("missing"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "ledger", "ssl-context-parameters", "access-token-provider", "header-filter-strategy",
            "configuration" })
    void aBeanOptionWithoutHashStopsTheAppNamingThePropertyAndTheRightForm(String option) {
        runner.withBean("myBean", String.class, () -> "text")
                .withPropertyValues("camel.component.pop3x." + option + "=myBean")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining(
                                "Failed to bind properties under 'camel.component.pop3x." + option + "'")
                        .hasStackTraceContaining("write #myBean or #bean:myBean"));
    }

    @Test
    void aLedgerNamedWithoutHashIsNotTakenEvenWhenTheBeanExists() {
        runner.withBean("myLedger", Ledger.class, InMemoryLedger::new)
                .withPropertyValues("camel.component.pop3x.ledger=myLedger")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("camel.component.pop3x.ledger")
                        .hasStackTraceContaining("#myLedger")
                        .hasStackTraceContaining("#bean:myLedger"));
    }

    @Test
    void anEmptyValueStopsTheAppNamingTheProperty() {
        runner.withPropertyValues("camel.component.pop3x.ledger=")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("Failed to bind properties under 'camel.component.pop3x.ledger'")
                        .hasStackTraceContaining("or leave the property out"));
        runner.withPropertyValues("camel.component.pop3x.max-attempts=")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("camel.component.pop3x.max-attempts"));
    }

    @Test
    void aMisspelledPropertyStopsTheAppNamingIt() {
        runner.withPropertyValues("camel.component.pop3x.max-atempts=5")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("camel.component.pop3x.max-atempts"));
        runner.withPropertyValues("camel.component.pop3x.customizer.enable=false")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("camel.component.pop3x.customizer.enable"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "security=ssl", "delete-after=14 days", "max-attempts=five", "delete=yes please" })
    void aValueOfTheWrongFormStopsTheAppNamingTheProperty(String setting) {
        String property = "camel.component.pop3x." + setting.substring(0, setting.indexOf('='));
        runner.withPropertyValues("camel.component.pop3x." + setting)
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("Failed to bind properties under '" + property + "'"));
    }

    @Test
    void aValueOutOfRangeIsRejectedWhenAnEndpointIsCreatedNamingTheOption() {
        runner.withPropertyValues("camel.component.pop3x.max-attempts=-1")
                .run(context -> assertThatThrownBy(() -> context.getBean(CamelContext.class).getEndpoint(
                        "pop3x:localhost:1110?username=alice&password=secret&security=none"))
                        .hasStackTraceContaining("Option maxAttempts must be 0 (retry forever) or more, was -1"));
    }

    @Test
    void anEnvironmentVariableBindsWithoutBeingTakenForAnUnknownName() {
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                new SystemEnvironmentPropertySource("test-systemEnvironment",
                        Map.of("CAMEL_COMPONENT_POP3X_MAXATTEMPTS", "6",
                                "CAMEL_COMPONENT_POP3X_LEDGERDIRECTORY", "/from-env"))))
                .run(context -> {
                    Pop3xConfiguration config = pop3x(context.getBean(CamelContext.class)).getConfiguration();
                    assertThat(config.getMaxAttempts()).isEqualTo(6);
                    assertThat(config.getLedgerDirectory()).isEqualTo("/from-env");
                });
    }

    /**
     * Spring Boot leaves the system environment and the JVM's system properties out of its check for unknown names
     * (they hold much that is not meant for the app), so a misspelled name there is still not noticed: documented in
     * docs/spring-boot.md. This test fails, and the docs must change, once Spring Boot checks them too.
     */
    @Test
    void misspelledNamesInTheEnvironmentOrSystemPropertiesAreNotNoticed() {
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().replace(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        Map.of("CAMEL_COMPONENT_POP3X_MAXATEMPTS", "6"))))
                .withSystemProperties("camel.component.pop3x.delet=true")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertSameOptions(pop3x(context.getBean(CamelContext.class)).getConfiguration(),
                            new Pop3xConfiguration());
                });
    }

    @Test
    void turnedOffTheAutoConfigurationLeavesTheComponentAlone() {
        runner.withPropertyValues("camel.component.pop3x.enabled=false", "camel.component.pop3x.delete=true")
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(Pop3xComponentAutoConfiguration.class);
                    assertSameOptions(pop3x(context.getBean(CamelContext.class)).getConfiguration(),
                            new Pop3xConfiguration());
                });
        runner.withPropertyValues("camel.component.customizer.enabled=false", "camel.component.pop3x.delete=true")
                .run(context -> assertSameOptions(pop3x(context.getBean(CamelContext.class)).getConfiguration(),
                        new Pop3xConfiguration()));
    }

    @Test
    void nestedConfigurationPropertiesBindAndATypoInThemStopsTheApp() {
        runner.withPropertyValues("camel.component.pop3x.configuration.delete=true",
                "camel.component.pop3x.configuration.max-attempts=9")
                .run(context -> {
                    Pop3xConfiguration config = pop3x(context.getBean(CamelContext.class)).getConfiguration();
                    assertThat(config.isDelete()).isTrue();
                    assertThat(config.getMaxAttempts()).isEqualTo(9);
                });
        runner.withPropertyValues("camel.component.pop3x.configuration.max-atempts=9")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("camel.component.pop3x.configuration.max-atempts"));
    }

    @Test
    void aSharedConfigurationBeanIsTakenFirstAndTheOtherOptionsApplyOnTopOfIt() {
        Pop3xConfiguration shared = new Pop3xConfiguration();
        shared.setPoisonAction(PoisonAction.DELETE);
        runner.withBean("sharedConfig", Pop3xConfiguration.class, () -> shared)
                .withPropertyValues("camel.component.pop3x.configuration=#sharedConfig",
                        "camel.component.pop3x.max-attempts=7", "camel.component.pop3x.security=starttls")
                .run(context -> {
                    Pop3xConfiguration config = pop3x(context.getBean(CamelContext.class)).getConfiguration();
                    assertThat(config).isSameAs(shared);
                    assertThat(config.getPoisonAction()).isEqualTo(PoisonAction.DELETE);
                    assertThat(config.getMaxAttempts()).isEqualTo(7);
                    assertThat(config.getSecurity()).isEqualTo(Security.STARTTLS);
                });
    }

    @Test
    void withNothingSetTheComponentKeepsItsDefaults() {
        runner.run(context -> {
            Pop3xComponent component = pop3x(context.getBean(CamelContext.class));
            assertSameOptions(component.getConfiguration(), new Pop3xConfiguration());
            assertThat(component.getConfiguration().getLedgerDirectory()).isNull(); // the component's ~/.camel-pop3x
            assertThat(component.isBridgeErrorHandler()).isFalse();
            assertThat(component.isAutowiredEnabled()).isTrue();
        });
    }

    @Test
    void turnedOffTheCustomizerLeavesTheComponentAlone() {
        runner.withPropertyValues("camel.component.pop3x.customizer.enabled=false", "camel.component.pop3x.delete=true",
                "camel.component.pop3x.max-attempts=5")
                .run(context -> assertSameOptions(pop3x(context.getBean(CamelContext.class)).getConfiguration(),
                        new Pop3xConfiguration()));
    }

    private static void assertSameOptions(Pop3xConfiguration actual, Pop3xConfiguration expected) {
        for (PropertyDescriptor property : BeanUtils.getPropertyDescriptors(Pop3xConfiguration.class)) {
            if (property.getReadMethod() == null || property.getWriteMethod() == null) {
                continue;
            }
            try {
                assertThat(property.getReadMethod().invoke(actual)).as(property.getName())
                        .isEqualTo(property.getReadMethod().invoke(expected));
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(property.getName(), e);
            }
        }
    }

    private static Pop3xComponent pop3x(CamelContext camel) {
        return camel.getComponent("pop3x", Pop3xComponent.class);
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(name, e);
        }
    }

    /** A data source that is only passed around: any call but identity fails. */
    private static DataSource unusedDataSource() {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
                new Class<?>[] { DataSource.class },
                (proxy, method, args) -> switch (method.getName()) {
                    case "toString" -> "unused DataSource";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
