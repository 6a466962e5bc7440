package dev.pop3x.springboot;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.pop3x.Pop3xComponent;
import org.apache.camel.CamelContext;
import org.apache.camel.Component;
import org.apache.camel.spi.ComponentCustomizer;
import org.apache.camel.spring.boot.CamelAutoConfiguration;
import org.apache.camel.spring.boot.ComponentConfigurationProperties;
import org.apache.camel.spring.boot.util.CamelPropertiesHelper;
import org.apache.camel.spring.boot.util.ConditionalOnCamelContextAndAutoConfigurationBeans;
import org.apache.camel.spring.boot.util.ConditionalOnHierarchicalProperties;
import org.apache.camel.spring.boot.util.HierarchicalPropertiesEvaluator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Lazy;

/**
 * Applies the {@code camel.component.pop3x.*} properties to the pop3x component through a Camel
 * {@link ComponentCustomizer}, the way Camel's own starters do. {@code camel.component.pop3x.enabled=false} turns it
 * off, {@code camel.component.pop3x.customizer.enabled=false} keeps the component as it is.
 */
@AutoConfiguration(after = { CamelAutoConfiguration.class, Pop3xComponentConverter.class })
@Conditional(ConditionalOnCamelContextAndAutoConfigurationBeans.class)
@EnableConfigurationProperties({ ComponentConfigurationProperties.class, Pop3xComponentConfiguration.class })
@ConditionalOnHierarchicalProperties({ "camel.component", "camel.component.pop3x" })
public class Pop3xComponentAutoConfiguration {

    /** Options of the starter itself (from ComponentConfigurationPropertiesCommon), not of the component. */
    private static final String[] STARTER_OPTIONS = { "enabled", "customizer" };

    private final ApplicationContext applicationContext;
    private final CamelContext camelContext;
    private final Pop3xComponentConfiguration configuration;

    public Pop3xComponentAutoConfiguration(ApplicationContext applicationContext, CamelContext camelContext,
                                           Pop3xComponentConfiguration configuration) {
        this.applicationContext = applicationContext;
        this.camelContext = camelContext;
        this.configuration = configuration;
    }

    @Lazy
    @Bean
    public ComponentCustomizer configurePop3xComponent() {
        return new ComponentCustomizer() {
            @Override
            public void configure(String name, Component target) {
                CamelPropertiesHelper.setCamelProperties(camelContext, target, optionsSet(), true);
            }

            @Override
            public boolean isEnabled(String name, Component target) {
                return HierarchicalPropertiesEvaluator.evaluate(applicationContext, "camel.component.customizer",
                        "camel.component.pop3x.customizer")
                       && target instanceof Pop3xComponent;
            }
        };
    }

    /**
     * The options the application set (unset ones are null and left out, so the component keeps its defaults).
     * {@code configuration} goes first: it replaces the component's configuration, which the other options then change.
     */
    private Map<String, Object> optionsSet() {
        Map<String, Object> set = CamelPropertiesHelper.getNonNullProperties(camelContext, configuration);
        for (String option : STARTER_OPTIONS) {
            set.remove(option);
        }
        Map<String, Object> ordered = new LinkedHashMap<>();
        Object shared = set.remove("configuration");
        if (shared != null) {
            ordered.put("configuration", shared);
        }
        ordered.putAll(set);
        return ordered;
    }
}
