package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeType;
import tools.jackson.databind.node.ObjectNode;

/**
 * The bad-input suite, generated: every field of every body the API reads — a loop spec with every
 * optional part filled in, a schedule (with its spec), a decision, a budget extension, a rollback, a
 * fork, a note, a rule and a rule edit — is replaced in turn by values of the wrong type (a number,
 * fraction, non-finite number, boolean, array or object for a string; a string, fraction, boolean,
 * non-finite or out-of-range number for an integer; a string or array for a boolean; a scalar for
 * an object or array, …), every object gets an unknown field, and every required field is sent as
 * {@code null}. Each must be a 400 problem+json whose {@code errors[].field} names the field (or,
 * for an unknown field, the field itself). Prints a tally; fails listing every input answered
 * otherwise.
 */
class InputMutationTest extends AppTest {

  static String repo;
  static final JsonMapper JSON = JsonMapper.builder().build();

  @BeforeAll
  static void createRepository() throws Exception {
    repo = repository("mutation-origin", Map.of("a.txt", "a\n")).toString();
  }

  private static String fullSpec(String name) {
    return """
        {"name": "%s", "goal": "Make it pass", "workspace": {"repository": "%s", "branch": "main"},
         "discover": {"command": "true", "timeout": "PT1M"}, "plan": {"command": "true", "timeout": "PT1M"},
         "make": {"command": "true", "timeout": "PT1M"},
         "checks": [{"name": "tests", "command": "true", "reports": "reports/*.xml", "timeout": "PT1M", "required": true,
                     "metric": {"pattern": "score: ([0-9]+)", "goal": "MAXIMIZE", "target": 2.5}}],
         "review": {"command": "true", "timeout": "PT1M"}, "reflect": {"command": "true", "timeout": "PT1M"},
         "gate": {"approval": "NEVER", "approvalTimeout": "PT1H", "onApprovalTimeout": "REJECT"},
         "caps": {"maxIterations": 3, "maxDuration": "PT1H", "maxCostUsd": 2.5, "maxRepeatedFailures": 3, "onCap": "STOP",
                  "extendTimeout": "PT1H"},
         "env": {"K": "v"}, "passEnv": ["HOME"],
         "deliver": {"branch": "loops-out", "command": "true", "timeout": "PT1M", "onCheckpoint": false, "push": true},
         "notifications": {"webhooks": ["https://hooks.example/x"], "reminderAt": 0.5},
         "sandbox": {"network": true, "writable": ["/tmp/agent-cache"]}}
        """.formatted(name, repo);
  }

  /** The spec's required fields, sent as {@code null} by the mutation suite. */
  static final List<String> SPEC_REQUIRED = List.of("name", "goal", "workspace", "workspace.repository", "make", "make.command",
      "checks", "checks[0].name", "checks[0].command", "checks[0].metric.pattern");

  /** The endpoints and a valid body of each; required fields listed for the {@code null} mutation. */
  private static List<Target> targets() {
    return List.of(
        new Target("POST", "/api/loops", fullSpec("mutation"),
            SPEC_REQUIRED),
        new Target("POST", "/api/schedules", "{\"name\": \"mutation\", \"spec\": " + fullSpec("mutation")
            + ", \"interval\": \"PT1H\", \"overlap\": \"SKIP\", \"paused\": true, \"note\": \"n\"}",
            java.util.stream.Stream.concat(java.util.stream.Stream.of("name", "spec"), SPEC_REQUIRED.stream().map(f -> "spec." + f)).toList()),
        new Target("POST", "/api/loops/loop-none/decision",
            "{\"decision\": \"APPROVE\", \"diffHash\": \"abc\", \"comment\": \"c\", \"by\": \"me\"}", List.of("decision", "diffHash")),
        new Target("POST", "/api/loops/loop-none/extend",
            "{\"maxIterations\": 3, \"maxDuration\": \"PT1H\", \"maxCostUsd\": 2.5, \"by\": \"me\", \"reason\": \"r\"}", List.of()),
        new Target("POST", "/api/loops/loop-none/rollback", "{\"checkpoint\": 1, \"reason\": \"r\"}", List.of("checkpoint")),
        new Target("POST", "/api/loops/loop-none/fork", "{\"checkpoint\": 1, \"name\": \"fork\"}", List.of("checkpoint")),
        new Target("POST", "/api/loops/loop-none/notes", "{\"text\": \"t\", \"author\": \"a\"}", List.of("text")),
        new Target("POST", "/api/rules", "{\"repository\": \"" + repo + "\", \"loop\": \"loop-x\", \"text\": \"t\", \"source\": \"s\"}",
            List.of("text")),
        new Target("PUT", "/api/rules/rule-none", "{\"text\": \"t\", \"retired\": false}", List.of()));
  }

  record Target(String method, String path, String body, List<String> required) {}

  record Input(String what, String body, String field) {}

  /** Wrong-type values for a field whose valid value has this type. */
  private static List<String> wrongValues(JsonNode valid) {
    return switch (valid.getNodeType()) {
      case STRING -> List.of("1", "-1", "1.5", "1e999", "true", "false", "[]", "[\"x\"]", "{}", "{\"a\": 1}");
      case NUMBER -> valid.isIntegralNumber()
          ? List.of("\"3\"", "\"x\"", "1.5", "1e999", "-1e999", "99999999999999999999", "true", "false", "[]", "{}")
          : List.of("\"2.5\"", "\"x\"", "1e999", "-1e999", "true", "false", "[]", "{}");
      case BOOLEAN -> List.of("\"true\"", "\"yes\"", "1", "0", "1.5", "[]", "{}");
      case OBJECT -> List.of("\"x\"", "1", "true", "[]", "[{}]");
      case ARRAY -> List.of("\"x\"", "1", "true", "{}", "{\"a\": 1}");
      default -> List.of();
    };
  }

  /** Every field of {@code node} under {@code path}, depth first, with its dotted name. */
  private static void fields(JsonNode node, List<Object> path, Map<List<Object>, JsonNode> out) {
    if (!path.isEmpty()) {
      out.put(path, node);
    }
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        List<Object> child = new ArrayList<>(path);
        child.add(e.getKey());
        fields(e.getValue(), child, out);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        List<Object> child = new ArrayList<>(path);
        child.add(i);
        fields(node.get(i), child, out);
      }
    }
  }

  private static String name(List<Object> path) {
    StringBuilder s = new StringBuilder();
    for (Object p : path) {
      if (p instanceof Integer i) {
        s.append('[').append(i).append(']');
      } else {
        s.append(s.isEmpty() ? "" : ".").append(p);
      }
    }
    return s.toString();
  }

  private static final String MARK = "@@mutation@@";

  /**
   * {@code root} with the field at {@code path} set to the raw JSON text {@code value}; spliced in as
   * text, because a tree would write {@code 1e999} back as the string {@code "Infinity"}.
   */
  private static String with(JsonNode root, List<Object> path, String value) {
    return with(root, path, JSON.getNodeFactory().stringNode(MARK)).replace("\"" + MARK + "\"", value);
  }

  private static String with(JsonNode root, List<Object> path, JsonNode value) {
    JsonNode copy = root.deepCopy();
    JsonNode parent = copy;
    for (Object p : path.subList(0, path.size() - 1)) {
      parent = p instanceof Integer i ? parent.get(i) : parent.get((String) p);
    }
    Object last = path.get(path.size() - 1);
    if (last instanceof Integer i) {
      ((ArrayNode) parent).set(i, value);
    } else {
      ((ObjectNode) parent).set((String) last, value);
    }
    return JSON.writeValueAsString(copy);
  }

  private static List<Input> inputs(Target target) {
    JsonNode root = JSON.readTree(target.body());
    Map<List<Object>, JsonNode> all = new LinkedHashMap<>();
    fields(root, List.of(), all);
    List<Input> inputs = new ArrayList<>();
    for (Map.Entry<List<Object>, JsonNode> field : all.entrySet()) {
      String name = name(field.getKey());
      for (String wrong : wrongValues(field.getValue())) {
        inputs.add(new Input(name + " = " + wrong, with(root, field.getKey(), wrong), name));
      }
      if (target.required().contains(name)) {
        inputs.add(new Input(name + " = null", with(root, field.getKey(), JSON.nullNode()), name));
      }
      if (field.getValue().isObject() && !name.startsWith("env")) {
        List<Object> unknown = new ArrayList<>(field.getKey());
        unknown.add("surprise");
        inputs.add(new Input(name + ".surprise = 1", with(root, unknown, "1"), name + ".surprise"));
      }
    }
    inputs.add(new Input("surprise = 1", with(root, List.of("surprise"), "1"), "surprise"));
    return inputs;
  }

  @Test
  void everyWrongTypeOfEveryFieldIsAProblemNamingTheField() throws Exception {
    int tried = 0;
    int right = 0;
    int serverErrors = 0;
    List<String> wrong = new ArrayList<>();
    for (Target target : targets()) {
      MockHttpServletResponse valid = send(target, target.body());
      assertThat(valid.getStatus()).as(target.method() + " " + target.path() + " with its valid body: " + valid.getContentAsString())
          .isNotEqualTo(400);
      for (Input input : inputs(target)) {
        tried++;
        MockHttpServletResponse r = send(target, input.body());
        String body = r.getContentAsString();
        if (r.getStatus() >= 500) {
          serverErrors++;
        }
        boolean problem = r.getStatus() == 400 && String.valueOf(r.getContentType()).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        boolean named = problem && names(body, input.field());
        if (named) {
          right++;
        } else {
          wrong.add(target.method() + " " + target.path() + " " + input.what() + " -> " + r.getStatus() + " " + body);
        }
      }
    }
    System.out.printf("input mutations: %d inputs tried on %d bodies, %d answered 400 problem+json naming the field, %d server errors%n",
        tried, targets().size(), right, serverErrors);
    assertThat(tried).isGreaterThanOrEqualTo(1_000);
    assertThat(wrong).as(wrong.size() + " inputs answered otherwise").isEmpty();
    assertThat(serverErrors).isZero();
  }

  /** Whether a problem's {@code errors[].field} names {@code field} (or a field inside it). */
  private static boolean names(String body, String field) {
    JsonNode errors = JSON.readTree(body).get("errors");
    if (errors == null) {
      return false;
    }
    for (JsonNode e : errors) {
      String named = e.path("field").asString("");
      if (named.equals(field) || named.endsWith("." + field) || named.startsWith(field + ".") || named.startsWith(field + "[")
          || field.endsWith("." + named)) {
        return true;
      }
    }
    return false;
  }

  private MockHttpServletResponse send(Target target, String body) throws Exception {
    var request = target.method().equals("PUT") ? put(target.path()) : post(target.path());
    return mvc.perform(request.contentType(MediaType.APPLICATION_JSON).content(body)).andReturn().getResponse();
  }
}
