package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopOutcome;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The start grant in the loop workflow, on the test server with the real activities and a worker
 * guard ({@link LoopGuard}): the grant is checked in every run's Prepare, so continue-as-new must
 * carry it, and a loop whose secret its grant allows keeps running across runs.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StartGrantWorkflowTest {

  static final Path DATA;
  static final StartGrants GRANTS = new StartGrants("a-test-key-of-enough-bytes".getBytes());

  static {
    try {
      DATA = Files.createTempDirectory("start-grant-test");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @RegisterExtension
  static final TestWorkflowExtension temporal = TestLoops.server(new WorkerActivities(DATA,
          new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of("token", "grant-test-secret")),
          GitStore.under(DATA), new LoopGuard(new SpecRules(new SpecRules.Settings(List.of(DATA), List.of(), List.of("https"),
              CommandPolicy.DEFAULT_INHERITED, List.of(), Set.of("token"), Map.of())), GRANTS)).all());

  @AfterAll
  static void cleanUp() {
    WorkspaceFiles.deleteTree(DATA);
  }

  @Test
  void anApproversGrantIsCarriedAcrossContinueAsNew(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/can"), Map.of("a.txt", "a\n"));
    LoopSpec spec = new LoopSpec("t", "Use the key", new WorkspaceSpec(repo.toString(), "main"), null, null,
        new StepSpec("echo \"$KEY\" | wc -c >> a.txt", "PT1M"), List.of(new CheckSpec("c", "exit 1", null, "PT1M", true, null)),
        null, null, null, new Caps(3, "P1D", null, 100), Map.of("KEY", "${secret:token}"), List.of(), null, null, null);
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder(options).setWorkflowId("loop-can").build());
    WorkflowClient.start(loop::run, new LoopInput(spec, null, 1)
        .withGrant(GRANTS.sign(spec.normalized(), "lena", List.of("APPROVER", "OPERATOR"))));
    LoopOutcome outcome = client.newUntypedWorkflowStub("loop-can").getResult(LoopOutcome.class);

    // Three runs of one iteration each and a fourth that stops at the cap, every one admitted by its
    // Prepare: the cap, not the policy, ended the loop.
    assertThat(outcome.status()).isEqualTo(LoopStatus.CAPPED);
    assertThat(outcome.iterations()).isEqualTo(3);
    assertThat(outcome.stopReason()).isEqualTo("reached maxIterations=3");
  }

  @Test
  void aFanOutsChildrenRunUnderTheirParentsGrant(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/fleet"), Map.of("a.txt", "todo\n", "b.txt", "todo\n"));
    String discover = "for t in a b; do grep -qx done $t.txt || echo $t; done";
    String maker = "t=$(printf '%s\\n' \"$LOOP_GOAL\" | sed -n 's/^Task (one of a fan-out): //p'); test -n \"$KEY\" && echo done > $t.txt";
    LoopSpec spec = new LoopSpec("t", "Use the key", new WorkspaceSpec(repo.toString(), "main"), new StepSpec(discover, "PT1M"), null,
        dev.durableloops.workflows.spec.MakeSpec.of(new StepSpec(maker, "PT1M")), List.of(new CheckSpec("c", "true", null, "PT1M", true, null)),
        null, null, null, new Caps(3, "P1D", null, 2), Map.of("KEY", "${secret:token}"), List.of(), null, null, null,
        new dev.durableloops.workflows.spec.FanOutSpec(2));
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder(options).setWorkflowId("loop-fleet-grant").build());
    WorkflowClient.start(loop::run, new LoopInput(spec).withGrant(GRANTS.sign(spec.normalized(), "lena", List.of("APPROVER"))));
    LoopOutcome outcome = client.newUntypedWorkflowStub("loop-fleet-grant").getResult(LoopOutcome.class);

    // Each child's spec is not the one the grant was signed for, and it starts as a fork: admitted
    // because Temporal records it as the child of the loop its fork seed names, with the parent's roles.
    assertThat(outcome.status()).as(outcome.stopReason()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(outcome.checkpoints()).isEqualTo(2);
  }

  @Test
  void withoutTheGrantTheFirstPrepareRefusesTheLoop(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/nogrant"), Map.of("a.txt", "a\n"));
    LoopSpec spec = new LoopSpec("t", "Use the key", new WorkspaceSpec(repo.toString(), "main"), null, null,
        new StepSpec("echo \"$KEY\" >> a.txt", "PT1M"), List.of(new CheckSpec("c", "exit 1", null, "PT1M", true, null)),
        null, null, null, new Caps(3, "P1D", null, 100), Map.of("KEY", "${secret:token}"), List.of(), null, null, null);
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder(options).setWorkflowId("loop-nogrant").build());
    WorkflowClient.start(loop::run, new LoopInput(spec, null, 1));
    LoopState state = await().atMost(java.time.Duration.ofSeconds(60)).until(loop::state, s -> s.status() == LoopStatus.FAILED);
    assertThat(state.iteration()).isZero();
    assertThat(state.stopReason()).contains("the worker's spec policy refuses this loop: env.KEY names secret 'token'");
  }

  /** A carried state as someone with Temporal access would write it: caps of their choosing, another loop's commit. */
  static LoopState carriedWithCaps(Caps caps, String headCommit) {
    java.time.Instant now = java.time.Instant.now();
    dev.durableloops.workflows.state.CarriedState kept = new dev.durableloops.workflows.state.CarriedState();
    kept.headCommit = headCommit;
    kept.budget = new Budget(caps, 0, 0, 0, now.toString(), now.plus(java.time.Duration.ofDays(3650)).toString());
    dev.durableloops.workflows.state.LiveState live = new dev.durableloops.workflows.state.LiveState();
    live.goal = "goal";
    live.phase = null;
    return new LoopState("loop-forged", LoopStatus.RUNNING, 0, null, kept, live);
  }

  @Test
  void aValidGrantWithACarriedStateOfItsOwnIsRefusedBeforeAnyCommand(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/carried"), Map.of("a.txt", "a\n"));
    LoopSpec spec = new LoopSpec("t", "Use the key", new WorkspaceSpec(repo.toString(), "main"), null, null,
        new StepSpec("echo made >> made.txt", "PT1M"), List.of(new CheckSpec("c", "exit 1", null, "PT1M", true, null)),
        null, null, null, new Caps(1, "PT1H", null, 10), Map.of("KEY", "${secret:token}"), List.of(), null, null, null);
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder(options).setWorkflowId("loop-carried").build());
    // The grant is the API's own for this very spec, as copied from another start's history.
    WorkflowClient.start(loop::run, new LoopInput(spec, carriedWithCaps(new Caps(1_000_000, "P3650D", null, 1_000_000), null), null)
        .withGrant(GRANTS.sign(spec.normalized(), "lena", List.of("APPROVER", "OPERATOR"))));
    LoopState state = await().atMost(java.time.Duration.ofSeconds(60)).until(loop::state, s -> s.status() == LoopStatus.FAILED);
    assertThat(state.iteration()).isZero();
    assertThat(state.stopReason()).contains("the worker refuses this loop: its first run carries a state (budget, caps, commits) that no "
        + "start grant signs (its start grant was made for another start");
    assertThat(Path.of(DATA.toString(), "workspaces")).satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(Files.walk(p).map(Path::getFileName).map(Path::toString)).doesNotContain("made.txt"));
  }
}
