package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jayway.jsonpath.JsonPath;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The credentials attack on the platform as it runs on many machines: an API process and a worker
 * process with data directories of their own (sharing the start grant key), the secret configured
 * in the documented form {@code DURABLE_LOOPS_SECRETS_<NAME>} in their environments, on the real
 * dev server. The attack passes only when stopped.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SplitDeploymentAttackIT {

  static final String SECRET = "sk-split-attack-0123456789";

  @TempDir static Path tmp;
  static Platform platform;

  @AfterAll
  static void stop() throws Exception {
    if (platform != null) {
      platform.close();
    }
  }

  @Test
  @DisplayName("on API and worker processes apart, a LoopWorkflow started on Temporal directly asks for a secret only the API's start grant unlocks")
  void directStartOnASplitDeployment() throws Exception {
    assumeTrue(Platform.available(), "needs the Temporal CLI (deploy/test.sh installs it) and the packaged app jar (mvn verify)");
    platform = new Platform(tmp);
    platform.startServerUnlessExternal();
    Map<String, String> env = Map.of("DURABLE_LOOPS_SECRETS_ANTHROPIC", SECRET);
    platform.startMachine("worker-a", "worker", env);
    platform.startMachine("api", "api", env);
    Platform.App api = platform.machine("api");
    Path repo = platform.repository("split", Map.of("a.txt", "a\n"));

    // The baseline: started through the API with every role, the maker gets the secret (its summary
    // names it, replaced) across the two processes.
    api.call("POST", "/api/loops", """
        {"name": "split-api", "goal": "Use the key", "workspace": {"repository": "%s"},
         "env": {"KEY": "${secret:anthropic}"},
         "make": {"command": "printf '{\\"summary\\": \\"used %%s\\"}' \\"$KEY\\" > \\"$LOOP_RESULT_FILE\\"; echo fixed > a.txt"},
         "checks": [{"name": "fixed", "command": "grep -q fixed a.txt"}], "caps": {"maxIterations": 1}}
        """.formatted(repo));
    String succeeded = await().atMost(Duration.ofSeconds(90)).until(() -> api.call("GET", "/api/loops/loop-split-api", null),
        s -> "SUCCEEDED".equals(JsonPath.read(s, "$.status")));
    assertThat(succeeded).contains("used [secret:anthropic]").doesNotContain(SECRET);

    // The attack: the same request made on Temporal directly, without the API.
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(platform.target()).build());
    try {
      WorkflowClient client = WorkflowClient.newInstance(stubs);
      LoopSpec spec = new LoopSpec("split-direct", "Use the key", new WorkspaceSpec(repo.toString(), "main"), null, null,
          new StepSpec("echo \"$KEY\" > a.txt", "PT1M"), List.of(new CheckSpec("fixed", "true", null, null, true, null)), null, null,
          null, new Caps(1, null, null, null), Map.of("KEY", "${secret:anthropic}"), List.of(), null, null, null);
      WorkflowStub stub = client.newUntypedWorkflowStub("LoopWorkflow",
          WorkflowOptions.newBuilder().setWorkflowId("loop-split-direct").setTaskQueue("durable-loops").build());
      stub.start(new LoopInput(spec));
      try {
        stub.getResult(90, TimeUnit.SECONDS, Object.class);
      } catch (WorkflowFailedException expected) {
        // Asserted below, from the loop's state.
      }
    } finally {
      stubs.shutdownNow();
    }
    String state = api.call("GET", "/api/loops/loop-split-direct", null);
    assertThat(JsonPath.<String>read(state, "$.status")).isEqualTo("FAILED");
    assertThat(JsonPath.<String>read(state, "$.stopReason")).contains("env.KEY names secret 'anthropic'",
        "the loop carries no start grant (it was not started through the API)");
    assertThat(JsonPath.<Integer>read(state, "$.iteration")).isZero();
  }
}
