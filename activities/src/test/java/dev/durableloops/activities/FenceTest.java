package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.StepContext;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only the owner writes: a second Make of the same loop (as a retry or a reset run would start it)
 * takes the workspace over while the first still runs; the first's maker is killed and its attempt
 * is refused, whatever the timing.
 */
class FenceTest {

  @TempDir Path tmp;
  TestActivityEnvironment env;
  TestActivityEnvironment other;

  @AfterEach
  void tearDown() {
    env.close();
    if (other != null) {
      other.close();
    }
  }

  @Test
  void aNewerMakeTakesTheWorkspaceOverAndTheAbandonedOneWritesNothing() throws Exception {
    Path origin = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "a\n"));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new WorkerActivities(tmp.resolve("data")).all());
    WorkspaceActivities activities = env.newActivityStub(WorkspaceActivities.class);
    PrepareResult prepared = activities.prepare(new PrepareInput("loop-f", new WorkspaceSpec(origin.toString(), "main"), null));
    StepContext ctx = new StepContext("loop-f", 1, "goal", prepared.commit());

    // A second worker process on the same machine (its own activity environment: one runs one
    // activity at a time) runs the abandoned attempt.
    other = TestActivityEnvironment.newInstance();
    other.registerActivitiesImplementations(new WorkerActivities(tmp.resolve("data")).all());
    WorkspaceActivities first = other.newActivityStub(WorkspaceActivities.class);
    CompletableFuture<MakeResult> abandoned = CompletableFuture.supplyAsync(
        () -> first.make(new MakeInput(ctx, new StepSpec("echo abandoned > a.txt; sleep 30.53; echo late >> a.txt", "PT1M"))));
    await().atMost(Duration.ofSeconds(20)).until(() -> LoopWorkflowTest.running("sleep 30.53"));

    MakeResult current = activities.make(new MakeInput(ctx, new StepSpec("echo current > a.txt", "PT1M")));

    assertThatThrownBy(abandoned::join).rootCause().isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("not written (commit the attempt)").hasMessageContaining("no longer owns the workspace of loop loop-f");
    assertThat(LoopWorkflowTest.running("sleep 30.53")).isFalse();
    try (Git store = Git.open(tmp.resolve("data/store.git").toFile())) {
      var ref = store.getRepository().exactRef(LoopRefs.attemptRef("loop-f", 1));
      assertThat(ref.getObjectId().name()).isEqualTo(current.attemptCommit());
      var commit = store.getRepository().parseCommit(ref.getObjectId());
      assertThat(commit.getParent(0).name()).isEqualTo(prepared.commit());
    }
    assertThat(java.nio.file.Files.readString(Path.of(prepared.workspacePath()).resolve("a.txt"))).isEqualTo("current\n");
    assertThat(current.diffStat()).isEqualTo("1 file changed, +1 -1");
  }
}
