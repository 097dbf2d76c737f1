package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopOutcome;
import dev.durableloops.workflows.LoopSearchAttributes;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.LoopWorkflowImpl;
import dev.durableloops.workflows.spec.Approval;
import dev.durableloops.workflows.spec.ApprovalTimeoutAction;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.NotifySpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.state.LoopStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notifications from a real loop to a local HTTP receiver that is down for its first two requests:
 * the {@code Notify} activity is retried with backoff until the receiver takes the event, which is
 * signed with the configured secret and carries neither it nor the secrets of commands.
 */
class NotifyTest {

  @TempDir Path tmp;
  TestWorkflowEnvironment env;
  HttpServer receiver;

  record Received(String body, Map<String, List<String>> headers) {}

  @AfterEach
  void tearDown() {
    if (env != null) {
      env.close();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  @Test
  void aReceiverThatIsDownForAWhileStillGetsTheSignedEvent() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    List<Received> received = new CopyOnWriteArrayList<>();
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      int n = requests.incrementAndGet();
      if (n <= 2) {
        exchange.sendResponseHeaders(503, -1);
      } else {
        received.add(new Received(new String(body, StandardCharsets.UTF_8), exchange.getRequestHeaders()));
        exchange.sendResponseHeaders(204, -1);
      }
      exchange.close();
    });
    receiver.start();
    String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";

    TestEnvironmentOptions.Builder options = TestEnvironmentOptions.newBuilder();
    LoopSearchAttributes.ALL.forEach(options::registerSearchAttribute);
    env = TestWorkflowEnvironment.newInstance(options.build());
    Worker worker = env.newWorker("notify");
    worker.registerWorkflowImplementationTypes(LoopWorkflowImpl.class);
    worker.registerActivitiesImplementations(new WorkerActivities(tmp.resolve("data"),
        new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of("token", "s3cr3t-value")), GitStore.under(tmp.resolve("data")),
        null, StepObserver.NONE, List.of(), "hook-secret", "http://loops.example").all());
    env.start();

    Path repo = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "a\n"));
    LoopSpec spec = new LoopSpec("t", "Write fixed", new WorkspaceSpec(repo.toString(), "main"), null, null,
        new StepSpec("echo fixed > a.txt", "PT1M"), List.of(new CheckSpec("ok", "true", null, "PT1M", true, null)), null, null,
        new GateSpec(Approval.NEVER, "PT1H", ApprovalTimeoutAction.REJECT), null, null, null, null, new NotifySpec(List.of(hook), null), null);
    WorkflowClient client = env.getWorkflowClient();
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue("notify").setWorkflowId("loop-notify").build());
    WorkflowClient.start(loop::run, new LoopInput(spec));
    LoopOutcome outcome = client.newUntypedWorkflowStub("loop-notify").getResult(LoopOutcome.class);
    assertThat(outcome.status()).isEqualTo(LoopStatus.SUCCEEDED);

    // Two refusals, then the event: the loop waited for it (retried with backoff) before ending.
    assertThat(requests.get()).isEqualTo(3);
    assertThat(received).hasSize(1);
    Received event = received.get(0);
    JsonNode json = new ObjectMapper().readTree(event.body());
    assertThat(json.get("event").asText()).isEqualTo("ended");
    assertThat(json.get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(json.get("loopId").asText()).isEqualTo("loop-notify");
    assertThat(json.get("link").asText()).isEqualTo("http://loops.example/loop.html?id=loop-notify");
    assertThat(json.get("text").asText()).startsWith("✅ loop-notify ended SUCCEEDED: verification holds at checkpoint 1");
    assertThat(event.headers().get("X-durable-loops-event")).containsExactly("ended");
    assertThat(event.headers().get("X-durable-loops-signature"))
        .containsExactly("sha256=" + Notifier.hmac("hook-secret", event.body().getBytes(StandardCharsets.UTF_8)));
    assertThat(event.body()).doesNotContain("hook-secret").doesNotContain("s3cr3t");
  }

  @Test
  void everyTextOfAnEventHasItsSecretsReplaced() throws Exception {
    Notifier notifier = new Notifier(new Notifier.NotifyConfig(List.of(), null, "http://loops.example"),
        new Redaction(Map.of("token", "s3cr3t-value")));
    byte[] body = notifier.body(new dev.durableloops.workflows.steps.NotifyInput("approval-needed", "loop-x", "goal s3cr3t-value",
        "AWAITING_APPROVAL", 1, "reason s3cr3t-value", "1 file changed s3cr3t-value", null, List.of()));
    JsonNode json = new ObjectMapper().readTree(body);
    assertThat(json.get("diffStat").asText()).isEqualTo("1 file changed [secret:token]");
    assertThat(new String(body, StandardCharsets.UTF_8)).doesNotContain("s3cr3t");
  }

  @Test
  void anApprovalOfABestOfNIterationCarriesItsSelectionReport() throws Exception {
    Notifier notifier = new Notifier(new Notifier.NotifyConfig(List.of(), null, "http://loops.example"),
        new Redaction(Map.of("token", "s3cr3t-value")));
    var attempts = List.of(
        new dev.durableloops.workflows.state.AttemptReport(1, "claude", "c1", "refs/loops/loop-x/attempts/1/1", "h1",
            "1 file changed, +1 -0", 1, 0, List.of("tests:PASS"), true, null, 0.5, null),
        new dev.durableloops.workflows.state.AttemptReport(2, "codex", "c2", "refs/loops/loop-x/attempts/1/2", "h2",
            "1 file changed, +1 -0", 1, 1, List.of("tests:FAIL"), false, null, 0.2, "required checks failed: s3cr3t-value"));
    byte[] body = notifier.body(new dev.durableloops.workflows.steps.NotifyInput("approval-needed", "loop-x", "goal",
        "AWAITING_APPROVAL", 1, null, "1 file changed, +1 -0", null, List.of(),
        new dev.durableloops.workflows.state.SelectionReport(1, "only attempt passing every required check", attempts)));
    JsonNode json = new ObjectMapper().readTree(body);
    assertThat(json.get("selection").get("winner").asInt()).isEqualTo(1);
    assertThat(json.get("selection").get("rule").asText()).isEqualTo("only attempt passing every required check");
    assertThat(json.get("selection").get("attempts").get(1).get("variant").asText()).isEqualTo("codex");
    assertThat(json.get("text").asText()).contains("attempt 1 of 2 kept: only attempt passing every required check");
    assertThat(new String(body, StandardCharsets.UTF_8)).doesNotContain("s3cr3t");
  }
}
