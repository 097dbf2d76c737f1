package dev.durableloops.api;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.MockMvcBuilderCustomizer;
import org.springframework.context.annotation.Bean;

/** Every MockMvc request of a test carries the test's bearer token ({@link #TOKEN}). */
@TestConfiguration(proxyBeanMethods = false)
public class TestAuth {

  /** The token tests configure as {@code durable-loops.api-token}. */
  public static final String TOKEN = "test-token-1234567890";

  @Bean
  MockMvcBuilderCustomizer bearerToken() {
    return builder -> builder.defaultRequest(get("/").header("Authorization", "Bearer " + TOKEN));
  }
}
