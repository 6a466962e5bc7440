package dev.pop3x.springboot;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.pop3x.AccessTokenProvider;
import dev.pop3x.Pop3xConfiguration;
import dev.pop3x.ledger.Ledger;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.context.ApplicationContext;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.core.convert.converter.GenericConverter;

/**
 * Resolves {@code #beanName} and {@code #bean:beanName} in {@code camel.component.pop3x.*} to the Spring bean of that
 * name, for the options whose type is a bean (as the converters of Camel's own starters do). Any other text is left to
 * Spring's other converters, so it fails to bind with Spring's usual message.
 */
@AutoConfiguration
@ConfigurationPropertiesBinding
public class Pop3xComponentConverter implements GenericConverter {

    /** The bean-typed options of the component: kept in step with pop3x.json by Pop3xComponentConfigurationTest. */
    static final List<Class<?>> BEAN_TYPES = List.of(
            AccessTokenProvider.class, Pop3xConfiguration.class, Ledger.class, HeaderFilterStrategy.class,
            SSLContextParameters.class);

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
        String ref = source.toString();
        if (!ref.startsWith("#")) {
            return null;
        }
        String name = ref.startsWith("#bean:") ? ref.substring("#bean:".length()) : ref.substring(1);
        return applicationContext.getBean(name, targetType.getType());
    }
}
