package dev.durableloops.api.security;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.durableloops.api.TestServerSearchAttributes;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * Every role allowed and refused, with named tokens stored as hashes: a viewer reads, an operator
 * starts and steers, an approver decides and rolls back; anything else is 403, no or an unknown
 * token 401, both problem+json. (A refusal answers before the loop is looked up, so an allowed call
 * on a loop that does not exist is a 404 or a 400.)
 */
@SpringBootTest(properties = {"spring.temporal.test-server.enabled=true", "durable-loops.api-token=admin-token-0123456789"})
@AutoConfigureMockMvc
@Import(TestServerSearchAttributes.class)
class SecurityRolesTest {

  @TempDir(cleanup = CleanupMode.NEVER) static Path tmp;

  @Autowired MockMvc mvc;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("durable-loops.data-dir", () -> tmp.resolve("data").toString());
    // An indexed list binds from one property source, so every field of the tokens is given here.
    registry.add("durable-loops.tokens[0].name", () -> "vera");
    registry.add("durable-loops.tokens[0].roles", () -> "VIEWER");
    registry.add("durable-loops.tokens[1].name", () -> "olga");
    registry.add("durable-loops.tokens[1].roles", () -> "VIEWER,OPERATOR");
    registry.add("durable-loops.tokens[2].name", () -> "alan");
    registry.add("durable-loops.tokens[2].roles", () -> "VIEWER,APPROVER");
    registry.add("durable-loops.tokens[0].sha256", () -> sha("viewer-secret"));
    registry.add("durable-loops.tokens[1].sha256", () -> sha("operator-secret"));
    registry.add("durable-loops.tokens[2].sha256", () -> sha("approver-secret"));
  }

  static String sha(String token) {
    return HexFormat.of().formatHex(NamedTokens.sha256(token));
  }

  private static MockHttpServletRequestBuilder as(MockHttpServletRequestBuilder request, String token) {
    return token.isEmpty() ? request : request.header("Authorization", "Bearer " + token);
  }

  @ParameterizedTest(name = "{0} {1} with {2} -> {4}")
  @CsvSource(delimiter = '|', value = {
      "GET  | /api/loops/loop-nope            | viewer-secret   |                                             | 404",
      "POST | /api/loops                      | viewer-secret   | {}                                          | 403",
      "POST | /api/loops/loop-nope/pause      | viewer-secret   |                                             | 403",
      "POST | /api/loops/loop-nope/decision   | viewer-secret   | {\"decision\":\"APPROVE\",\"diffHash\":\"x\"} | 403",
      "POST | /api/loops                      | operator-secret | {}                                          | 400",
      "POST | /api/loops/loop-nope/pause      | operator-secret |                                             | 404",
      "POST | /api/loops/loop-nope/notes      | operator-secret | {\"text\":\"hi\"}                           | 404",
      "POST | /api/loops/loop-nope/fork       | operator-secret | {\"checkpoint\":1}                          | 404",
      "POST | /api/loops/loop-nope/decision   | operator-secret | {\"decision\":\"APPROVE\",\"diffHash\":\"x\"} | 403",
      "POST | /api/loops/loop-nope/rollback   | operator-secret | {\"checkpoint\":1}                          | 403",
      "POST | /api/loops/loop-nope/decision   | approver-secret | {\"decision\":\"APPROVE\",\"diffHash\":\"x\"} | 404",
      "POST | /api/loops/loop-nope/rollback   | approver-secret | {\"checkpoint\":1}                          | 404",
      "POST | /api/loops                      | approver-secret | {}                                          | 403",
      "GET  | /api/loops/loop-nope            | admin-token-0123456789 |                                      | 404",
      "POST | /api/loops/loop-nope/decision   | admin-token-0123456789 | {\"decision\":\"APPROVE\",\"diffHash\":\"x\"} | 404",
      "GET  | /api/loops/loop-nope            | wrong-secret    |                                             | 401",
      "GET  | /api/loops/loop-nope            |                 |                                             | 401",
      "POST | /codec/decode                   |                 | {\"payloads\":[]}                           | 401",
  })
  void eachRoleIsAllowedWhatItMayAndRefusedTheRest(String method, String path, String token, String body, int expected) throws Exception {
    MockHttpServletRequestBuilder request = "GET".equals(method) ? get(path) : post(path);
    if (body != null) {
      request.contentType(MediaType.APPLICATION_JSON).content(body);
    }
    var result = mvc.perform(as(request, token == null ? "" : token)).andExpect(status().is(expected));
    if (expected == 401 || expected == 403) {
      result.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
          .andExpect(jsonPath("$.status").value(expected));
    }
    if (expected == 401) {
      result.andExpect(header().string("WWW-Authenticate", "Bearer"));
    }
  }

  @Test
  void pagesCarryAContentSecurityPolicyAndTheDescriptionIsOpen() throws Exception {
    mvc.perform(get("/index.html"))
        .andExpect(status().isOk())
        .andExpect(header().string("Content-Security-Policy", org.hamcrest.Matchers.containsString("script-src 'self'")))
        .andExpect(header().string("X-Content-Type-Options", "nosniff"));
    mvc.perform(get("/v3/api-docs")).andExpect(status().isOk());
    mvc.perform(get("/actuator/health/liveness")).andExpect(status().isOk());
  }

  @Test
  void theCallerSeesItsOwnNameAndRoles() throws Exception {
    mvc.perform(as(get("/api/me"), "approver-secret"))
        .andExpect(status().isOk())
        .andExpect(org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath("$.name").value("alan"))
        .andExpect(org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath("$.roles")
            .value(org.hamcrest.Matchers.contains("APPROVER", "VIEWER")));
    mvc.perform(as(get("/api/me"), "viewer-secret"))
        .andExpect(org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath("$.roles")
            .value(org.hamcrest.Matchers.contains("VIEWER")));
    mvc.perform(get("/api/me")).andExpect(status().isUnauthorized());
  }

  /** The role a 403 names is the role the rule checked: both read EndpointRoles (extend needs APPROVER, not OPERATOR). */
  @ParameterizedTest(name = "{0} {1} with {2} -> 403 naming {3}")
  @CsvSource(delimiter = '|', value = {
      "POST   | /api/loops/loop-nope/extend    | operator-secret | APPROVER",
      "POST   | /api/loops/loop-nope/decision  | operator-secret | APPROVER",
      "POST   | /api/loops/loop-nope/rollback  | operator-secret | APPROVER",
      "POST   | /api/loops/loop-nope/pause     | viewer-secret   | OPERATOR",
      "DELETE | /api/schedules/s1              | viewer-secret   | OPERATOR",
      "PATCH  | /api/loops/loop-nope           | approver-secret | none: no role may",
  })
  void aRefusalNamesTheRoleTheRuleChecked(String method, String path, String token, String role) throws Exception {
    mvc.perform(as(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request(
            org.springframework.http.HttpMethod.valueOf(method), path).contentType(MediaType.APPLICATION_JSON).content("{}"), token))
        .andExpect(status().isForbidden())
        .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.endsWith("that needs the role " + role)));
  }
}
