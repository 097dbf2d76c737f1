package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.durableloops.client.ApiClient;
import dev.durableloops.client.ApiException;
import dev.durableloops.client.api.CallerApi;
import dev.durableloops.client.api.LoopsApi;
import dev.durableloops.client.model.CheckSpec;
import dev.durableloops.client.model.Decision;
import dev.durableloops.client.model.DecisionResult;
import dev.durableloops.client.model.GateSpec;
import dev.durableloops.client.model.LoopSpec;
import dev.durableloops.client.model.LoopView;
import dev.durableloops.client.model.MakeSpec;
import dev.durableloops.client.model.Problem;
import dev.durableloops.client.model.StartResponse;
import dev.durableloops.client.model.WorkspaceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A client generated from the API's OpenAPI description drives a loop to its end over real HTTP:
 * the Java client openapi-generator makes at build time (library {@code native}: java.net.http and
 * Jackson) from {@code src/test/resources/openapi.json}, which {@link OpenApiSnapshotTest} holds
 * equal to the served {@code /v3/api-docs}. Starts a loop with an approval gate, watches its status
 * until it waits for approval, approves the pending diff by its hash, and watches it until
 * SUCCEEDED; errors come back as the typed {@code Problem}. The whole app runs on Temporal's test
 * server with the real worker (which has no visibility queries, so {@code listLoops} is not called
 * here; {@code deploy/fuzz.sh} calls every operation against a dev server).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.temporal.test-server.enabled=true", "durable-loops.api-token=" + TestAuth.TOKEN})
@Import(TestServerSearchAttributes.class)
@Timeout(120)
class GeneratedClientTest {

  // Not deleted by JUnit: the app (a cached Spring context) and its worker outlive this class.
  @TempDir(cleanup = CleanupMode.NEVER) static Path tmp;
  static Path repo;

  @LocalServerPort int port;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("durable-loops.data-dir", () -> tmp.resolve("data").toString());
    registry.add("durable-loops.allowed-roots", () -> tmp.resolve("allowed").toString());
  }

  @BeforeAll
  static void createRepository() throws Exception {
    repo = DevServers.repository(tmp.resolve("allowed/repo"), Map.of("a.txt", "a\n"));
  }

  private ApiClient client() {
    ApiClient client = new ApiClient();
    client.updateBaseUri("http://127.0.0.1:" + port);
    client.setReadTimeout(Duration.ofSeconds(30));
    client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + TestAuth.TOKEN));
    return client;
  }

  @Test
  void aGeneratedClientDrivesALoopToItsEnd() throws Exception {
    LoopsApi loops = new LoopsApi(client());
    assertThat(new CallerApi(client()).getCaller().getRoles()).contains("VIEWER", "OPERATOR", "APPROVER");

    StartResponse started = loops.startLoop(new LoopSpec()
        .name("generated")
        .goal("Write a line")
        .workspace(new WorkspaceSpec().repository(repo.toString()))
        .make(new MakeSpec().command("echo fixed > a.txt").timeout("PT1M"))
        .checks(List.of(new CheckSpec().name("tests").command("grep -q fixed a.txt")))
        .gate(new GateSpec().approval(GateSpec.ApprovalEnum.ON_PASS).approvalTimeout("PT1H")));
    String id = started.getId();
    assertThat(id).isEqualTo("loop-generated");

    LoopView waiting = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> loops.getLoop(id), view -> view.getStatus() == LoopView.StatusEnum.AWAITING_APPROVAL);
    String diffHash = waiting.getPendingDecision().getDiffHash();
    assertThat(Files.readString(loops.getAttemptDiff(id, waiting.getPendingDecision().getIteration()).toPath())).contains("+fixed");

    DecisionResult decided = loops.decide(id, new Decision().decision(Decision.DecisionEnum.APPROVE).diffHash(diffHash));
    assertThat(decided.getDecision()).isEqualTo(DecisionResult.DecisionEnum.APPROVE);

    LoopView done = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> loops.getLoop(id), view -> view.getStatus() == LoopView.StatusEnum.SUCCEEDED);
    assertThat(done.getCheckpoints()).isNotEmpty();
  }

  @Test
  void errorsComeBackAsTheTypedProblem() throws Exception {
    ApiClient client = client();
    LoopsApi loops = new LoopsApi(client);

    ApiException missing = catchThrowableOfType(ApiException.class, () -> loops.getLoop("loop-nope"));
    Problem notFound = client.getObjectMapper().readValue(missing.getResponseBody(), Problem.class);
    assertThat(missing.getCode()).isEqualTo(404);
    assertThat(notFound.getStatus()).isEqualTo(404);
    assertThat(notFound.getType().toString()).isEqualTo(ApiExceptionHandler.TYPE_BASE + "not-found");

    ApiException invalid = catchThrowableOfType(ApiException.class, () -> loops.startLoop(new LoopSpec()
        .name("generated-invalid").workspace(new WorkspaceSpec().repository(repo.toString())).make(new MakeSpec().command("true"))));
    Problem badRequest = client.getObjectMapper().readValue(invalid.getResponseBody(), Problem.class);
    assertThat(invalid.getCode()).isEqualTo(400);
    assertThat(badRequest.getErrors()).extracting(e -> e.getField()).contains("goal");
  }
}
