package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI description against the app itself: every {@code /api/**} endpoint the controllers
 * map is documented with its method, and real responses (success and problem+json) carry only the
 * properties their documented schema has, with a documented status code. Fails when an endpoint is
 * added undocumented or a response changes shape without its description.
 */
class OpenApiContractTest extends AppTest {

  static Path repo;

  @Autowired JsonMapper json;
  @Autowired @Qualifier("requestMappingHandlerMapping") RequestMappingHandlerMapping mappings;

  @BeforeAll
  static void createRepository() throws Exception {
    repo = repository("contract-origin", java.util.Map.of("a.txt", "a\n"));
  }

  private JsonNode doc() throws Exception {
    return json.readTree(mvc.perform(get("/v3/api-docs")).andReturn().getResponse().getContentAsString());
  }

  @Test
  void everyApiEndpointIsDocumented() throws Exception {
    JsonNode paths = doc().get("paths");
    List<String> missing = new ArrayList<>();
    int endpoints = 0;
    for (RequestMappingInfo info : mappings.getHandlerMethods().keySet()) {
      for (String pattern : info.getPatternValues()) {
        if (!pattern.startsWith("/api/")) {
          continue;
        }
        for (var method : info.getMethodsCondition().getMethods()) {
          endpoints++;
          JsonNode path = paths.get(pattern);
          if (path == null || path.get(method.name().toLowerCase(Locale.ROOT)) == null) {
            missing.add(method + " " + pattern);
          }
        }
      }
    }
    assertThat(endpoints).isGreaterThanOrEqualTo(15);
    assertThat(missing).as("endpoints missing from /v3/api-docs").isEmpty();
    assertThat(doc().at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
  }

  /**
   * What a generated client needs: an operation id of its own on every operation (no springdoc
   * {@code list_2}), a typed body on every response that has one ({@code application/json} or a
   * named media type, never {@code *}{@code /*}), every error as problem+json with the
   * {@code Problem} schema, 401 and 403 everywhere, and no framework type among the models.
   */
  @Test
  void aClientCanBeGeneratedFromTheDescription() throws Exception {
    JsonNode doc = doc();
    Set<String> ids = new HashSet<>();
    List<String> faults = new ArrayList<>();
    doc.get("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
      String where = op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
      String id = op.getValue().path("operationId").asText("");
      if (!id.matches("[a-z][a-zA-Z]+") || !ids.add(id)) {
        faults.add(where + ": operation id '" + id + "' is not a unique name");
      }
      JsonNode responses = op.getValue().get("responses");
      for (String code : List.of("400", "401", "403")) {
        if (!responses.has(code)) {
          faults.add(where + ": " + code + " undocumented");
        }
      }
      responses.properties().forEach(response -> {
        int code = Integer.parseInt(response.getKey());
        JsonNode content = response.getValue().path("content");
        if (code == 204 || code == 200 && where.startsWith("DELETE")) {
          return;
        }
        if (content.isMissingNode() || content.isEmpty()) {
          faults.add(where + " " + code + ": no body documented");
          return;
        }
        content.properties().forEach(media -> {
          if (media.getKey().contains("*")) {
            faults.add(where + " " + code + ": media type " + media.getKey());
          }
          if (!media.getValue().has("schema")) {
            faults.add(where + " " + code + ": untyped " + media.getKey());
          }
          if (code >= 400 && !(media.getKey().equals("application/problem+json")
              && media.getValue().at("/schema/$ref").asText().equals("#/components/schemas/Problem"))) {
            faults.add(where + " " + code + ": not problem+json with the Problem schema");
          }
        });
      });
    }));
    assertThat(faults).isEmpty();
    assertThat(ids).contains("startLoop", "listLoops", "getLoop", "watchLoop", "decide", "pauseLoop", "resumeLoop", "cancelLoop",
        "addNote", "listSchedules", "createSchedule", "listRules", "addRule", "getCaller");
    assertThat(doc.at("/paths/~1api~1loops/post/responses").propertyNames()).contains("201", "409", "413");
    assertThat(doc.at("/paths/~1api~1loops~1{id}~1pause/post/responses").propertyNames()).contains("202", "404", "409");
    assertThat(doc.at("/paths/~1api~1schedules~1{id}/delete/responses").propertyNames()).contains("204", "404");
    assertThat(doc.at("/components/schemas/Problem/properties").propertyNames())
        .containsExactlyInAnyOrder("type", "title", "status", "detail", "instance", "errors");
    assertThat(doc.at("/components/schemas/InvalidField/properties").propertyNames()).containsExactlyInAnyOrder("field", "message");
    assertThat(doc.at("/paths/~1api~1loops~1{id}~1events/get/responses/200/content/text~1event-stream/schema/$ref").asText())
        .isEqualTo("#/components/schemas/LoopEvent");
    assertThat(doc.at("/components/schemas").propertyNames())
        .doesNotContain("SseEmitter", "ResponseBodyEmitter", "ResponseEntity", "ProblemDetail", "Authentication", "Object");
  }

  @Test
  void responsesHaveTheirDocumentedShape() throws Exception {
    JsonNode doc = doc();
    MvcResult started = mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content("""
        {"name": "contract", "goal": "Write a line", "workspace": {"repository": "%s"},
         "make": {"command": "echo fixed > a.txt"}, "checks": [{"name": "tests", "command": "grep -q fixed a.txt"}]}
        """.formatted(repo))).andReturn();
    conforms(doc, "/api/loops", "post", started);
    conforms(doc, "/api/loops/{id}", "get", mvc.perform(get("/api/loops/loop-contract")).andReturn());
    conforms(doc, "/api/loops", "get", mvc.perform(get("/api/loops")).andReturn());
    conforms(doc, "/api/loops/{id}", "get", mvc.perform(get("/api/loops/loop-nope")).andReturn());
    conforms(doc, "/api/loops/{id}/notes", "post",
        mvc.perform(post("/api/loops/loop-contract/notes").contentType(MediaType.APPLICATION_JSON).content("{\"text\": \"hi\"}")).andReturn());
    conforms(doc, "/api/loops", "post",
        mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content("{\"name\": 3}")).andReturn());
  }

  /** The response's status is documented for the operation and its properties are its schema's. */
  private void conforms(JsonNode doc, String path, String method, MvcResult result) throws Exception {
    String status = Integer.toString(result.getResponse().getStatus());
    JsonNode response = doc.at("/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method + "/responses/" + status);
    assertThat(response.isMissingNode()).as(method + " " + path + " documents status " + status).isFalse();
    JsonNode content = response.get("content");
    assertThat(content).as(method + " " + path + " " + status + " has a documented body").isNotNull();
    JsonNode schema = resolve(doc, content.properties().iterator().next().getValue().get("schema"));
    JsonNode body = json.readTree(result.getResponse().getContentAsString());
    if (body.isArray()) {
      assertThat(schema.get("type").asText()).isEqualTo("array");
      schema = resolve(doc, schema.get("items"));
      body = body.isEmpty() ? json.createObjectNode() : body.get(0);
    }
    assertThat(schema.get("properties")).as(method + " " + path + " " + status + " schema " + schema + " for body " + body
        + " components " + doc.at("/components/schemas").propertyNames() + " response " + response).isNotNull();
    Set<String> documented = new HashSet<>();
    schema.get("properties").properties().forEach(e -> documented.add(e.getKey()));
    List<String> actual = new ArrayList<>();
    body.properties().forEach(e -> actual.add(e.getKey()));
    assertThat(documented).as(method + " " + path + " " + status + ": properties returned but not documented").containsAll(actual);
  }

  private static JsonNode resolve(JsonNode doc, JsonNode schema) {
    while (schema.has("$ref")) {
      schema = doc.at(schema.get("$ref").asText().substring(1));
    }
    return schema;
  }
}
