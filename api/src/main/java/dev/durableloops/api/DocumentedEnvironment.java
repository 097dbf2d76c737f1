package dev.durableloops.api;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The environment variables the docs ({@code docs/security.md}, {@code docs/operations.md}) name in the {@code DURABLE_LOOPS_} form, which
 * Spring's relaxed binding does not map to {@code durable-loops.*} for maps ({@code DURABLELOOPS_…}
 * is its form): {@code DURABLE_LOOPS_SECRETS_<NAME>} is secret {@code <name>} (lower case,
 * underscores kept; {@code durable-loops.secrets[<name>]}), {@code DURABLE_LOOPS_PASSABLE_ENV}
 * (comma-separated) is {@code durable-loops.passable-env}, {@code DURABLE_LOOPS_GRANT_KEY} is
 * {@code durable-loops.grant-key}. Added right after the system environment, so command-line
 * arguments still win and the application's YAML does not. Public because Spring instantiates it
 * from {@code META-INF/spring.factories}.
 */
public final class DocumentedEnvironment implements EnvironmentPostProcessor {

  /** The property source's name. */
  static final String NAME = "durableLoopsDocumentedEnvironment";

  private static final String SECRETS = "DURABLE_LOOPS_SECRETS_";

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
    PropertySource<?> system = environment.getPropertySources().get(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
    if (!(system instanceof EnumerablePropertySource<?> variables)) {
      return;
    }
    Map<String, Object> properties = new LinkedHashMap<>();
    for (String name : variables.getPropertyNames()) {
      Object value = variables.getProperty(name);
      if (name.startsWith(SECRETS) && name.length() > SECRETS.length() && value != null) {
        properties.put("durable-loops.secrets[" + name.substring(SECRETS.length()).toLowerCase(Locale.ROOT) + "]", value);
      } else if (name.equals("DURABLE_LOOPS_PASSABLE_ENV") && value != null) {
        properties.put("durable-loops.passable-env", value);
      } else if (name.equals("DURABLE_LOOPS_GRANT_KEY") && value != null) {
        properties.put("durable-loops.grant-key", value);
      }
    }
    if (!properties.isEmpty()) {
      environment.getPropertySources().addAfter(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
          new MapPropertySource(NAME, properties));
    }
  }
}
