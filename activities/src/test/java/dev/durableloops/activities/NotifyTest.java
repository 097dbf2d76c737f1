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
import java.time.Instant;
import java.util.Base64;
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
    // Standard Webhooks: a receiver holding the secret in the scheme's form checks it, and the id
    // is the one delivery id every retry shares.
    String receiverSecret = "whsec_" + Base64.getEncoder().encodeToString("hook-secret".getBytes(StandardCharsets.UTF_8));
    assertThat(first(event.headers(), "webhook-id")).isEqualTo(first(event.headers(), "X-durable-loops-delivery"))
        .startsWith("loop-notify/");
    assertThat(StandardWebhooksReceiver.verify(receiverSecret, event.headers(), event.body().getBytes(StandardCharsets.UTF_8),
        Instant.now())).isEqualTo("verified");
  }

  @Test
  void aWhsecSecretSignsPerStandardWebhooksAndAReplayLaterIsRejected() throws Exception {
    List<Received> received = new CopyOnWriteArrayList<>();
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      received.add(new Received(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), exchange.getRequestHeaders()));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
    // The example secret of the scheme's specification.
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    Notifier notifier = new Notifier(new Notifier.NotifyConfig(
        List.of("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"), secret, "http://loops.example"), new Redaction(Map.of()));
    Instant sent = Instant.now();
    notifier.send(new dev.durableloops.workflows.steps.NotifyInput("ended", "loop-x", "goal", "SUCCEEDED", 1, "done", null, null,
        List.of()));

    assertThat(received).hasSize(1);
    Received event = received.get(0);
    byte[] body = event.body().getBytes(StandardCharsets.UTF_8);
    long timestamp = Long.parseLong(first(event.headers(), "webhook-timestamp"));
    assertThat(timestamp).isBetween(sent.getEpochSecond() - 1, Instant.now().getEpochSecond());
    assertThat(first(event.headers(), "webhook-signature")).startsWith("v1,");
    assertThat(StandardWebhooksReceiver.verify(secret, event.headers(), body, Instant.now())).isEqualTo("verified");
    // The same request replayed ten minutes later falls outside the tolerance; a fresh timestamp
    // on it does not match the signature, and neither does another body.
    assertThat(StandardWebhooksReceiver.verify(secret, event.headers(), body, Instant.now().plusSeconds(600))).isEqualTo("too old or new");
    Map<String, List<String>> restamped = new java.util.HashMap<>(Map.of("webhook-id", event.headers().get("webhook-id"),
        "webhook-signature", event.headers().get("webhook-signature"), "webhook-timestamp", List.of(Long.toString(timestamp + 600))));
    assertThat(StandardWebhooksReceiver.verify(secret, restamped, body, Instant.now().plusSeconds(600))).isEqualTo("bad signature");
    assertThat(StandardWebhooksReceiver.verify(secret, event.headers(), "{}".getBytes(StandardCharsets.UTF_8), Instant.now()))
        .isEqualTo("bad signature");
  }

  /** The first value of header {@code name}, matched without regard to case; {@code null} when absent. */
  static String first(Map<String, List<String>> headers, String name) {
    return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().get(0)).findFirst()
        .orElse(null);
  }

  /**
   * A receiver written from the Standard Webhooks specification alone (not from the sender's code):
   * the signed content is {@code <webhook-id>.<webhook-timestamp>.<body>}, HMAC-SHA256 keyed with the
   * base64 after {@code whsec_}; {@code webhook-signature} is a space-separated list of
   * {@code v1,<base64>}; timestamps more than 5 minutes off are refused.
   */
  static final class StandardWebhooksReceiver {
    static String verify(String secret, Map<String, List<String>> headers, byte[] body, Instant now) throws Exception {
      String id = first(headers, "webhook-id");
      long timestamp = Long.parseLong(first(headers, "webhook-timestamp"));
      if (Math.abs(now.getEpochSecond() - timestamp) > 300) {
        return "too old or new";
      }
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
      byte[] expected = mac.doFinal((id + "." + timestamp + "." + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
      for (String candidate : first(headers, "webhook-signature").split(" ")) {
        String[] parts = candidate.split(",", 2);
        if (parts.length == 2 && parts[0].equals("v1")
            && java.security.MessageDigest.isEqual(Base64.getDecoder().decode(parts[1]), expected)) {
          return "verified";
        }
      }
      return "bad signature";
    }
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
