package dev.durableloops.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.jayway.jsonpath.JsonPath;
import dev.durableloops.api.DevServers;
import dev.durableloops.api.TestServerSearchAttributes;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.StartGrant;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * Attacks on the platform's credentials (issue 19): a caller who may start loops, or anyone who can
 * start a {@code LoopWorkflow} on Temporal directly, tries to get the platform's variables or a
 * secret into a step, and a maker tries to get a secret into what the platform writes. Each test
 * passes only when the attack was stopped. The whole app with its real worker on Temporal's test
 * server; tokens: olga (VIEWER, OPERATOR) and lena (VIEWER, OPERATOR, APPROVER).
 */
@SpringBootTest(properties = {"spring.temporal.test-server.enabled=true", "durable-loops.api-token=admin-token-0123456789"})
@AutoConfigureMockMvc
@Import(TestServerSearchAttributes.class)
@Timeout(120)
class CredentialsAttackTest {

  /** The secret only APPROVER-started loops may use (it has no grant). */
  static final String ANTHROPIC = "sk-ant-attack-0123456789abcdef";
  /** The secret granted to OPERATOR and APPROVER, on repository {@code granted} only. */
  static final String DEPLOY = "deploy-key-9876543210-zyx";

  @TempDir(cleanup = CleanupMode.NEVER) static Path tmp;

  @Autowired MockMvc mvc;
  @Autowired WorkflowClient client;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("durable-loops.data-dir", () -> tmp.resolve("data").toString());
    registry.add("durable-loops.allowed-roots", () -> tmp.toString());
    registry.add("durable-loops.tokens[0].name", () -> "olga");
    registry.add("durable-loops.tokens[0].roles", () -> "VIEWER,OPERATOR");
    registry.add("durable-loops.tokens[0].sha256", () -> SecurityRolesTest.sha("operator-token"));
    registry.add("durable-loops.tokens[1].name", () -> "lena");
    registry.add("durable-loops.tokens[1].roles", () -> "VIEWER,OPERATOR,APPROVER");
    registry.add("durable-loops.tokens[1].sha256", () -> SecurityRolesTest.sha("approver-token"));
    registry.add("durable-loops.secrets.anthropic", () -> ANTHROPIC);
    registry.add("durable-loops.secrets.deploy", () -> DEPLOY);
    registry.add("durable-loops.secret-grants.deploy.roles", () -> "OPERATOR,APPROVER");
    registry.add("durable-loops.secret-grants.deploy.repositories", () -> tmp.resolve("granted").toString());
    // A careless administrator lists a platform variable as passable: it is refused all the same.
    registry.add("durable-loops.passable-env", () -> "ANTHROPIC_API_KEY,DURABLE_LOOPS_API_TOKEN");
  }

  @BeforeAll
  static void repositories() throws Exception {
    DevServers.repository(tmp.resolve("granted"), Map.of("a.txt", "a\n"));
    DevServers.repository(tmp.resolve("other"), Map.of("a.txt", "a\n"));
  }

  private static MockHttpServletRequestBuilder as(MockHttpServletRequestBuilder request, String token) {
    return request.header("Authorization", "Bearer " + token);
  }

  private static String token(String role) {
    return role.equals("OPERATOR") ? "operator-token" : "approver-token";
  }

  private static String body(String name, String repository, String extra) {
    return """
        {"name": "%s", "goal": "Read what it should not", "workspace": {"repository": "%s"},
         "make": {"command": "env > .loop/env.txt", "timeout": "PT1M"},
         "checks": [{"name": "tests", "command": "true"}], "caps": {"maxIterations": 1}%s}
        """.formatted(name, tmp.resolve(repository), extra);
  }

  private String get(String path, String token) throws Exception {
    return mvc.perform(as(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get(path), token))
        .andReturn().getResponse().getContentAsString();
  }

  // ---- through the API ----

  @ParameterizedTest(name = "an {0} starts a loop with passEnv [{1}] to read the platform''s variable in the step log")
  @CsvSource({
      "OPERATOR, DURABLE_LOOPS_API_TOKEN", "APPROVER, DURABLE_LOOPS_API_TOKEN",
      "OPERATOR, DURABLELOOPS_APITOKEN", "APPROVER, DURABLELOOPS_APITOKEN",
      "OPERATOR, DURABLE_LOOPS_SECRETS_ANTHROPIC", "APPROVER, DURABLE_LOOPS_SECRETS_ANTHROPIC",
      "OPERATOR, TEMPORAL_ADDRESS", "APPROVER, TEMPORAL_ADDRESS",
      "OPERATOR, SPRING_APPLICATION_JSON", "APPROVER, SPRING_APPLICATION_JSON",
      "OPERATOR, JAVA_TOOL_OPTIONS", "APPROVER, JAVA_TOOL_OPTIONS",
      "OPERATOR, JDK_JAVA_OPTIONS", "APPROVER, JDK_JAVA_OPTIONS",
      "OPERATOR, _JAVA_OPTIONS", "APPROVER, _JAVA_OPTIONS",
      "OPERATOR, CLASSPATH", "APPROVER, CLASSPATH",
      "OPERATOR, SSH_AUTH_SOCK", "APPROVER, SSH_AUTH_SOCK",
      "OPERATOR, GIT_ASKPASS", "APPROVER, GIT_ASKPASS",
      "OPERATOR, AWS_SECRET_ACCESS_KEY", "APPROVER, AWS_SECRET_ACCESS_KEY"})
  void passEnvOfAPlatformOrUnlistedVariable(String role, String variable) throws Exception {
    String name = "penv-" + Integer.toHexString((role + variable).hashCode());
    mvc.perform(as(post("/api/loops"), token(role)).contentType(MediaType.APPLICATION_JSON)
            .content(body(name, "granted", ", \"passEnv\": [\"HOME\", \"" + variable + "\"]")))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("passEnv[1]"))
        .andExpect(jsonPath("$.errors[0].message").value(org.hamcrest.Matchers.containsString("'" + variable + "'")));
    mvc.perform(as(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get("/api/loops/loop-" + name), token(role)))
        .andExpect(status().isNotFound());
  }

  @Test
  @DisplayName("an OPERATOR starts a loop whose env names a secret only APPROVER-started loops may use")
  void operatorUsesAnApproverSecret() throws Exception {
    mvc.perform(as(post("/api/loops"), "operator-token").contentType(MediaType.APPLICATION_JSON)
            .content(body("op-secret", "granted", ", \"env\": {\"KEY\": \"${secret:anthropic}\"}")))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("env.KEY"))
        .andExpect(jsonPath("$.errors[0].message").value(
            "names secret 'anthropic', which only loops started by APPROVER may use (durable-loops.secret-grants.anthropic.roles); "
                + "this loop's starter has roles [OPERATOR, VIEWER]"));
  }

  @Test
  @DisplayName("an OPERATOR schedules loops whose env names a secret only APPROVER-started loops may use")
  void operatorSchedulesAnApproverSecret() throws Exception {
    mvc.perform(as(post("/api/schedules"), "operator-token").contentType(MediaType.APPLICATION_JSON)
            .content("{\"name\": \"op-sched\", \"interval\": \"PT1H\", \"spec\": "
                + body("op-sched", "granted", ", \"env\": {\"KEY\": \"${secret:anthropic}\"}") + "}"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("env.KEY"));
  }

  @Test
  @DisplayName("an APPROVER starts a loop on a repository the secret is not granted to")
  void secretOnARepositoryItIsNotGrantedTo() throws Exception {
    mvc.perform(as(post("/api/loops"), "approver-token").contentType(MediaType.APPLICATION_JSON)
            .content(body("repo-secret", "other", ", \"env\": {\"KEY\": \"${secret:deploy}\"}")))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("env.KEY"))
        .andExpect(jsonPath("$.errors[0].message").value(
            "names secret 'deploy', which loops on this repository may not use (durable-loops.secret-grants.deploy.repositories)"));
  }

  @Test
  @DisplayName("a caller sends a start grant of their own in the spec body")
  void aGrantInTheBody() throws Exception {
    mvc.perform(as(post("/api/loops"), "operator-token").contentType(MediaType.APPLICATION_JSON)
            .content(body("body-grant", "granted", ", \"grant\": {\"startedBy\": \"lena\", \"roles\": [\"APPROVER\"], "
                + "\"specHash\": \"x\", \"signature\": \"y\"}")))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("grant"));
  }

  // ---- on Temporal directly, bypassing the API ----

  private static LoopSpec spec(String name, String make, Map<String, String> env, List<String> passEnv) {
    return new LoopSpec(name, "Read what it should not", new WorkspaceSpec(tmp.resolve("granted").toString(), "main"), null, null,
        new StepSpec(make, "PT1M"), List.of(new CheckSpec("tests", "true", null, null, true, null)), null, null, null,
        new dev.durableloops.workflows.spec.Caps(1, null, null, null), env, passEnv, null, null, null);
  }

  /** Starts {@code input} as loop {@code id} on the app's task queue, as a Temporal client would, and waits for it to end. */
  private String startDirectly(String id, LoopInput input) throws Exception {
    WorkflowStub stub = client.newUntypedWorkflowStub("LoopWorkflow",
        WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue("durable-loops").build());
    stub.start(input);
    try {
      stub.getResult(60, java.util.concurrent.TimeUnit.SECONDS, Object.class);
    } catch (io.temporal.client.WorkflowFailedException expected) {
      // The loop fails: what is asserted is why, from its state.
    }
    return get("/api/loops/" + id, "approver-token");
  }

  private List<String> activities(String id) {
    List<String> types = new ArrayList<>();
    for (HistoryEvent e : client.fetchHistory(id).getEvents()) {
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        types.add(e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
      }
    }
    return types;
  }

  @Test
  @DisplayName("a LoopWorkflow started on Temporal directly passes DURABLE_LOOPS_API_TOKEN to its maker")
  void directStartWithTheApiToken() throws Exception {
    String state = startDirectly("loop-direct-token", new LoopInput(spec("direct-token", "env > .loop/env.txt", Map.of(),
        List.of("DURABLE_LOOPS_API_TOKEN"))));
    assertThat(JsonPath.<String>read(state, "$.status")).isEqualTo("FAILED");
    assertThat(JsonPath.<String>read(state, "$.stopReason")).contains(
        "the worker's spec policy refuses this loop: passEnv[0] names 'DURABLE_LOOPS_API_TOKEN', one of the platform's own variables, "
            + "which no step may see");
    assertThat(activities("loop-direct-token")).doesNotContain("Make", "Discover", "Plan").contains("Prepare");
  }

  @Test
  @DisplayName("a LoopWorkflow started on Temporal directly hands a secret to its maker")
  void directStartWithASecret() throws Exception {
    String state = startDirectly("loop-direct-secret", new LoopInput(spec("direct-secret", "env > .loop/env.txt",
        Map.of("KEY", "${secret:deploy}"), List.of())));
    assertThat(JsonPath.<String>read(state, "$.status")).isEqualTo("FAILED");
    assertThat(JsonPath.<String>read(state, "$.stopReason")).contains(
        "env.KEY names secret 'deploy', which only loops started by OPERATOR or APPROVER may use",
        "this loop's starter has no role", "the loop carries no start grant (it was not started through the API)");
    assertThat(activities("loop-direct-secret")).doesNotContain("Make", "Discover", "Plan");
  }

  @Test
  @DisplayName("a LoopWorkflow started on Temporal directly with a forged APPROVER start grant (wrong HMAC)")
  void forgedGrant() throws Exception {
    LoopSpec spec = spec("direct-forged", "env > .loop/env.txt", Map.of("KEY", "${secret:anthropic}"), List.of());
    StartGrant forged = new StartGrant("lena", List.of("APPROVER", "OPERATOR", "VIEWER"),
        dev.durableloops.activities.StartGrants.specHash(spec), "0".repeat(64));
    String state = startDirectly("loop-direct-forged", new LoopInput(spec).withGrant(forged));
    assertThat(JsonPath.<String>read(state, "$.status")).isEqualTo("FAILED");
    assertThat(JsonPath.<String>read(state, "$.stopReason")).contains("names secret 'anthropic'",
        "its start grant's signature is not the API's");
    assertThat(activities("loop-direct-forged")).doesNotContain("Make");
  }

  @Test
  @DisplayName("an APPROVER's start grant copied from their loop onto a different spec started on Temporal directly")
  void copiedGrant() throws Exception {
    mvc.perform(as(post("/api/loops"), "approver-token").contentType(MediaType.APPLICATION_JSON)
            .content(body("grant-source", "granted", ", \"env\": {\"KEY\": \"${secret:anthropic}\"}")))
        .andExpect(status().isCreated());
    HistoryEvent started = client.fetchHistory("loop-grant-source").getEvents().get(0);
    LoopInput sourceInput = DefaultDataConverter.newDefaultInstance().fromPayloads(0,
        java.util.Optional.of(started.getWorkflowExecutionStartedEventAttributes().getInput()), LoopInput.class, LoopInput.class);
    assertThat(sourceInput.grant().startedBy()).isEqualTo("lena");

    LoopSpec other = spec("grant-copy", "echo \"$KEY\" > .loop/key.txt", Map.of("KEY", "${secret:anthropic}"), List.of());
    String state = startDirectly("loop-grant-copy", new LoopInput(other).withGrant(sourceInput.grant()));
    assertThat(JsonPath.<String>read(state, "$.status")).isEqualTo("FAILED");
    assertThat(JsonPath.<String>read(state, "$.stopReason")).contains("its start grant was made for another spec");
    assertThat(activities("loop-grant-copy")).doesNotContain("Make");
  }

  @Test
  @DisplayName("an APPROVER's start grant copied onto the same spec started on Temporal directly with a carried budget of huge caps "
      + "and another loop's commit")
  void copiedGrantWithACarriedState() throws Exception {
    mvc.perform(as(post("/api/loops"), "approver-token").contentType(MediaType.APPLICATION_JSON)
            .content(body("carried-source", "granted", ", \"env\": {\"KEY\": \"${secret:anthropic}\"}")))
        .andExpect(status().isCreated());
    HistoryEvent started = client.fetchHistory("loop-carried-source").getEvents().get(0);
    LoopInput sourceInput = DefaultDataConverter.newDefaultInstance().fromPayloads(0,
        java.util.Optional.of(started.getWorkflowExecutionStartedEventAttributes().getInput()), LoopInput.class, LoopInput.class);
    assertThat(sourceInput.grant().roles()).contains("APPROVER");

    java.time.Instant now = java.time.Instant.now();
    dev.durableloops.workflows.spec.Caps huge = new dev.durableloops.workflows.spec.Caps(1_000_000, "P3650D", null, 1_000_000);
    dev.durableloops.workflows.state.CarriedState kept = new dev.durableloops.workflows.state.CarriedState();
    kept.headCommit = "f".repeat(40);
    kept.budget = new dev.durableloops.workflows.state.Budget(huge, 0, 0, 0, now.toString(),
        now.plus(java.time.Duration.ofDays(3650)).toString());
    dev.durableloops.workflows.state.LiveState live = new dev.durableloops.workflows.state.LiveState();
    live.goal = "goal";
    live.phase = null;
    dev.durableloops.workflows.state.LoopState carried = new dev.durableloops.workflows.state.LoopState("loop-carried-copy",
        dev.durableloops.workflows.state.LoopStatus.RUNNING, 0, null, kept, live);
    String state = startDirectly("loop-carried-copy",
        new LoopInput(sourceInput.spec(), carried, null).withRules(sourceInput.rules()).withGrant(sourceInput.grant()));
    assertThat(JsonPath.<String>read(state, "$.status")).isEqualTo("FAILED");
    assertThat(JsonPath.<String>read(state, "$.stopReason")).contains(
        "the worker refuses this loop: its first run carries a state (budget, caps, commits) that no start grant signs");
    assertThat(activities("loop-carried-copy")).contains("Prepare").doesNotContain("Make", "Discover", "Plan");
  }

  // ---- a maker that writes a secret into what the platform records ----

  @Test
  @DisplayName("a maker writes a secret into its result summary, its output, its reflection, and a person pastes it into a note and a comment")
  void secretWrittenWhereThePlatformRecords() throws Exception {
    String spec = """
        {"name": "leaky", "goal": "Print the key", "workspace": {"repository": "%s"},
         "env": {"KEY": "${secret:anthropic}"},
         "make": {"command": "printf '{\\"summary\\": \\"used %%s\\"}' \\"$KEY\\" > \\"$LOOP_RESULT_FILE\\"; echo made with $KEY; echo x >> a.txt"},
         "checks": [{"name": "tests", "command": "echo checked with $KEY"}],
         "reflect": {"command": "echo reflected on $KEY"},
         "gate": {"approval": "EVERY_ITERATION"}, "caps": {"maxIterations": 1}}
        """.formatted(tmp.resolve("granted"));
    mvc.perform(as(post("/api/loops"), "approver-token").contentType(MediaType.APPLICATION_JSON).content(spec))
        .andExpect(status().isCreated());
    String waiting = await().atMost(Duration.ofSeconds(60)).until(() -> get("/api/loops/loop-leaky", "approver-token"),
        s -> "AWAITING_APPROVAL".equals(JsonPath.read(s, "$.status")));
    mvc.perform(as(post("/api/loops/loop-leaky/notes"), "approver-token").contentType(MediaType.APPLICATION_JSON)
            .content("{\"text\": \"the key is " + ANTHROPIC + "\"}"))
        .andExpect(status().isAccepted());
    mvc.perform(as(post("/api/loops/loop-leaky/decision"), "approver-token").contentType(MediaType.APPLICATION_JSON)
            .content("{\"decision\": \"REJECT\", \"diffHash\": \"" + JsonPath.read(waiting, "$.pendingDecision.diffHash")
                + "\", \"comment\": \"do not print " + ANTHROPIC + "\"}"))
        .andExpect(status().isOk());
    String ended = await().atMost(Duration.ofSeconds(60)).until(() -> get("/api/loops/loop-leaky", "approver-token"),
        s -> "CAPPED".equals(JsonPath.read(s, "$.status")));
    client.newUntypedWorkflowStub("loop-leaky").getResult(30, java.util.concurrent.TimeUnit.SECONDS, Object.class);

    MvcResult events = mvc.perform(as(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get("/api/loops/loop-leaky/events"),
        "approver-token")).andExpect(request().asyncStarted()).andReturn();
    await().atMost(Duration.ofSeconds(10)).until(() -> events.getResponse().getContentAsString().contains("CAPPED"));
    String history = client.fetchHistory("loop-leaky").getHistory().toString();
    String commits = commitMessages(tmp.resolve("data/store.git"));

    // The secret reached the maker (it is in each text, replaced), and nowhere raw.
    assertThat(ended).contains("used [secret:anthropic]", "reflected on [secret:anthropic]")
        .doesNotContain(ANTHROPIC);
    assertThat(history).contains("used [secret:anthropic]", "reflected on [secret:anthropic]", "made with [secret:anthropic]",
        "checked with [secret:anthropic]", "do not print [secret:anthropic]", "the key is [secret:anthropic]").doesNotContain(ANTHROPIC);
    assertThat(events.getResponse().getContentAsString()).contains("[secret:anthropic]").doesNotContain(ANTHROPIC);
    assertThat(commits).contains("used [secret:anthropic]").doesNotContain(ANTHROPIC);
    assertThat(get("/api/loops/loop-leaky/output", "approver-token")).doesNotContain(ANTHROPIC);
  }

  /** The full message of every commit reachable from any ref of the git store. */
  private static String commitMessages(Path store) throws Exception {
    StringBuilder all = new StringBuilder();
    try (Git git = Git.open(store.toFile()); RevWalk walk = new RevWalk(git.getRepository())) {
      for (Ref ref : git.getRepository().getRefDatabase().getRefs()) {
        walk.markStart(walk.parseCommit(ref.getObjectId()));
      }
      for (RevCommit c : walk) {
        all.append(c.getFullMessage()).append('\n');
      }
    }
    return all.toString();
  }
}
