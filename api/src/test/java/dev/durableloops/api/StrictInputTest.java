package dev.durableloops.api;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.MediaType;

/**
 * No silent type coercion: each wrong type the issue found answered 201 is now a 400 problem+json
 * naming the field — a number for an enum (the human gate silently off), a fraction for an integer,
 * a non-finite number, a string for a number or boolean, a number or boolean for a string.
 */
class StrictInputTest extends AppTest {

  static Path repo;


  @BeforeAll
  static void createRepository() throws Exception {
    repo = repository("strict-origin", java.util.Map.of("a.txt", "a\n"));
  }

  private static String spec(String gate, String caps, String checkExtra, String name) {
    return """
        {"name": %s, "goal": "g", "workspace": {"repository": "%s"},
         "make": {"command": "true"},
         "checks": [{"name": "tests", "command": "true"%s}],
         "gate": %s, "caps": %s}
        """.formatted(name, repo, checkExtra, gate, caps);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "a number for an enum           | {\"approval\": 0}        | {}                         |                                   | \"strict\" | gate.approval",
      "a fraction for an integer      | {}                       | {\"maxIterations\": 1.7}    |                                   | \"strict\" | caps.maxIterations",
      "a string for an integer        | {}                       | {\"maxIterations\": \"3\"}  |                                   | \"strict\" | caps.maxIterations",
      "a non-finite number            | {}                       | {\"maxCostUsd\": 1e999}     |                                   | \"strict\" | caps.maxCostUsd",
      "a string for a number          | {}                       | {\"maxCostUsd\": \"2.5\"}   |                                   | \"strict\" | caps.maxCostUsd",
      "a string for a boolean         | {}                       | {}                         | , \"required\": \"true\"          | \"strict\" | checks[0].required",
      "a number for a boolean         | {}                       | {}                         | , \"required\": 1                 | \"strict\" | checks[0].required",
      "a number for a string          | {}                       | {}                         |                                   | 42         | name",
      "a boolean for a string         | {}                       | {}                         |                                   | true       | name",
  })
  void wrongTypesAreProblemsNamingTheField(String what, String gate, String caps, String checkExtra, String name, String field)
      throws Exception {
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON)
            .content(spec(gate, caps, checkExtra == null ? "" : checkExtra, name)))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.errors[0].field").value(field));
  }

  @Test
  void theRightTypesStillStartALoopAndEnumNamesMayBeAnyCase() throws Exception {
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON)
            .content(spec("{\"approval\": \"never\"}", "{\"maxIterations\": 2, \"maxCostUsd\": 2.5}", ", \"required\": true", "\"strict\"")))
        .andExpect(status().isCreated());
  }
}
