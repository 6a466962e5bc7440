package dev.pop3x.springboot;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import dev.pop3x.AccessTokenProvider;
import dev.pop3x.Pop3xConfiguration;
import dev.pop3x.ledger.Ledger;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.context.ApplicationContext;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.core.convert.converter.GenericConverter;

/**
 * Turns the text of a bean-typed {@code camel.component.pop3x.*} option into the Spring bean it names:
 * {@code #beanName} or {@code #bean:beanName}. Any other text fails the binding, and with it the app's startup: Spring
 * Boot reports a {@code BindException} that names the property, with this converter's message (write {@code #name} or
 * {@code #bean:name}) as the reason. A missing bean, a bean of another type, or an empty value fails the same way.
 * <p>
 * Camel's generated {@code *ComponentConverter}s (camel-spring-boot 4.22.0) return null for text without {@code #};
 * Spring's binder takes null as "not bound" and goes on, so a {@code ledger=myLedger} would be dropped without a word.
 * This one throws instead.
 */
@AutoConfiguration
@ConfigurationPropertiesBinding
public class Pop3xComponentConverter implements GenericConverter {

    /** The bean-typed options of the component: kept in step with pop3x.json by Pop3xComponentConfigurationTest. */
    static final List<Class<?>> BEAN_TYPES = List.of(
            AccessTokenProvider.class, Pop3xConfiguration.class, Ledger.class, DataSource.class,
            CamelClusterService.class,
            HeaderFilterStrategy.class, SSLContextParameters.class);

    private final ApplicationContext applicationContext;

    public Pop3xComponentConverter(ApplicationContext applicationContext) {
        this.applicationContext = applicationContext;
    }

    @Override
    public Set<ConvertiblePair> getConvertibleTypes() {
        Set<ConvertiblePair> pairs = new LinkedHashSet<>();
        for (Class<?> type : BEAN_TYPES) {
            pairs.add(new ConvertiblePair(String.class, type));
        }
        return pairs;
    }

    @Override
    public Object convert(Object source, TypeDescriptor sourceType, TypeDescriptor targetType) {
        if (source == null) {
            return null;
        }
        String ref = source.toString().strip();
        if (ref.isEmpty()) {
            // with ignoreUnknownFields=false null would fail too, but only as "left unbound"
            throw new IllegalArgumentException("empty: write #beanName or #bean:beanName (a Spring bean of type "
                                               + targetType.getType().getName()
                                               + "), or leave the property out to keep the component's default");
        }
        if (!ref.startsWith("#")) {
            // thrown, not null: the binder takes null as "nothing to bind" and would drop the setting silently
            throw new IllegalArgumentException("'" + ref + "' is not a bean reference: write #" + ref + " or #bean:"
                                               + ref + " to use the Spring bean named " + ref + " (a "
                                               + targetType.getType().getName() + ")");
        }
        String name = ref.startsWith("#bean:") ? ref.substring("#bean:".length()) : ref.substring(1);
        return applicationContext.getBean(name, targetType.getType());
    }
}
