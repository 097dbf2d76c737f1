package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The served OpenAPI description ({@code /v3/api-docs}) equals the committed snapshot
 * {@code api/src/test/resources/openapi.json}, from which the build generates the Java client that
 * {@link GeneratedClientTest} drives a loop with (openapi-generator-maven-plugin, phase
 * generate-test-sources). So the generated client is always the one the app serves. When a change
 * to the API is meant, write the snapshot anew with
 * {@code ./mvnw -pl api -am test -Dtest=OpenApiSnapshotTest -Dsurefire.failIfNoSpecifiedTests=false -Dopenapi.snapshot.write=true}
 * and review its diff. {@code servers} (the URL the document was fetched from) is left out; keys
 * are compared (and written) in alphabetical order.
 */
class OpenApiSnapshotTest extends AppTest {

  static final Path SNAPSHOT = Path.of("src/test/resources/openapi.json");

  @Autowired JsonMapper json;

  @Test
  void theServedDescriptionIsTheSnapshot() throws Exception {
    ObjectNode served = (ObjectNode) json.readTree(mvc.perform(get("/v3/api-docs")).andReturn().getResponse().getContentAsString());
    served.remove("servers");
    String canonical = json.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(sorted(served)) + "\n";
    if (Boolean.getBoolean("openapi.snapshot.write")) {
      Files.writeString(SNAPSHOT, canonical);
    }
    assertThat(canonical)
        .as("/v3/api-docs differs from %s; if the change is meant, write it anew with -Dopenapi.snapshot.write=true", SNAPSHOT)
        .isEqualTo(json.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(sorted(json.readTree(Files.readString(SNAPSHOT))))
            + "\n");
  }

  /** The node with every object's keys in alphabetical order, so the order springdoc puts them in does not matter. */
  private JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      ObjectNode copy = json.createObjectNode();
      new TreeMap<>(node.properties().stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)))
          .forEach((key, value) -> copy.set(key, sorted(value)));
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = json.createArrayNode();
      node.forEach(item -> copy.add(sorted(item)));
      return copy;
    }
    return node;
  }
}
