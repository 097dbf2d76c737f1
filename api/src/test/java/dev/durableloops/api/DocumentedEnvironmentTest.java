package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The variables the docs name in their documented {@code DURABLE_LOOPS_} form configure what they say,
 * bound the way the app binds {@link LoopsProperties}; Spring's own form keeps working.
 */
class DocumentedEnvironmentTest {

  private static LoopsProperties bind(Map<String, Object> variables) {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
        new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
    new DocumentedEnvironment().postProcessEnvironment(environment, new SpringApplication());
    return Binder.get(environment).bindOrCreate("durable-loops", LoopsProperties.class);
  }

  @Test
  void durableLoopsSecretsNameConfiguresSecretName() {
    LoopsProperties properties = bind(Map.of(
        "DURABLE_LOOPS_SECRETS_ANTHROPIC", "sk-ant-123456",
        "DURABLE_LOOPS_SECRETS_GH_TOKEN", "ghp-abcdef",
        "DURABLELOOPS_SECRETS_OTHER", "spring-form-value",
        "DURABLE_LOOPS_PASSABLE_ENV", "ANTHROPIC_API_KEY,GH_TOKEN",
        "DURABLE_LOOPS_GRANT_KEY", "a-shared-key-of-32-bytes-or-more"));
    assertThat(properties.secrets()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "anthropic", "sk-ant-123456", "gh_token", "ghp-abcdef", "other", "spring-form-value"));
    assertThat(properties.passableEnv()).isEqualTo(List.of("ANTHROPIC_API_KEY", "GH_TOKEN"));
    assertThat(properties.grantKey()).isEqualTo("a-shared-key-of-32-bytes-or-more");
  }

  @Test
  void theAppRunsItAsAnEnvironmentPostProcessor() {
    assertThat(org.springframework.core.io.support.SpringFactoriesLoader.loadFactoryNames(
            org.springframework.boot.EnvironmentPostProcessor.class, getClass().getClassLoader()))
        .contains(DocumentedEnvironment.class.getName());
  }

  @Test
  void withoutThemNothingIsConfigured() {
    LoopsProperties properties = bind(Map.of("PATH", "/usr/bin"));
    assertThat(properties.secrets()).isEmpty();
    assertThat(properties.passableEnv()).isEmpty();
    assertThat(properties.secretGrants()).isEmpty();
    assertThat(properties.grantKey()).isNull();
  }
}
