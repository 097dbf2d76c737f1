package dev.durableloops.api;

import dev.durableloops.workflows.LoopSearchAttributes;
import io.temporal.spring.boot.TemporalOptionsCustomizer;
import io.temporal.testing.TestEnvironmentOptions;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/** Registers the loop search attributes on the in-memory test server, as the dev server's flags do. */
@TestConfiguration(proxyBeanMethods = false)
public class TestServerSearchAttributes {

  @Bean
  TemporalOptionsCustomizer<TestEnvironmentOptions.Builder> loopSearchAttributes() {
    return builder -> {
      LoopSearchAttributes.ALL.forEach(builder::registerSearchAttribute);
      return builder;
    };
  }
}
