package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The settings are discoverable (issue 22, item 8): the build writes Spring Boot's configuration
 * metadata for {@link LoopsProperties}, which IDEs read to complete {@code durable-loops.*} keys in
 * {@code application.yaml} and show each one's description (its Javadoc) and default.
 */
class ConfigurationMetadataTest {

  static final Map<String, JsonNode> properties = new HashMap<>();

  @BeforeAll
  static void read() throws Exception {
    Path classes = Path.of(LoopsProperties.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    JsonNode metadata = new ObjectMapper().readTree(classes.resolve("META-INF/spring-configuration-metadata.json").toFile());
    metadata.get("properties").forEach(p -> properties.put(p.get("name").asText(), p));
  }

  @Test
  void everySettingHasItsDescriptionAndDefault() {
    assertThat(properties).containsKeys("durable-loops.sandbox.allowed-domains", "durable-loops.worker.drain-timeout",
        "durable-loops.notifications.secret", "durable-loops.capacity.activity-slots", "durable-loops.task-queue");
    assertThat(properties.get("durable-loops.sandbox.allowed-domains").path("description").asText())
        .startsWith("the destinations a spec's");
    assertThat(properties.get("durable-loops.sandbox.allowed-domains").path("type").asText()).isEqualTo("java.util.List<java.lang.String>");
    assertThat(properties.get("durable-loops.worker.drain-timeout").path("description").asText()).contains("running steps finish");
    assertThat(properties.get("durable-loops.worker.drain-timeout").path("defaultValue").asText()).isEqualTo("30s");
    assertThat(properties.get("durable-loops.capacity.activity-slots").path("defaultValue").asInt()).isEqualTo(1200);
    // The fleet limits (issue 21): makers at once per worker and per repository, none by default.
    assertThat(properties.get("durable-loops.worker.max-makers").path("defaultValue").asInt()).isZero();
    assertThat(properties.get("durable-loops.worker.max-makers").path("description").asText()).contains("makers");
    assertThat(properties.get("durable-loops.worker.max-makers-per-repository").path("defaultValue").asInt()).isZero();
    assertThat(properties.get("durable-loops.worker.max-makers-per-repository").path("description").asText()).contains("one repository");
    assertThat(properties.get("durable-loops.task-queue").path("defaultValue").asText()).isEqualTo("durable-loops");
    assertThat(properties.values()).filteredOn(p -> p.path("name").asText().startsWith("durable-loops."))
        .allSatisfy(p -> assertThat(p.path("description").asText()).as(p.path("name").asText()).isNotBlank());
  }
}
