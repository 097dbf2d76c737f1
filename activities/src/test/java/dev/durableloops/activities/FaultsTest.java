package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.durableloops.workflows.LoopErrorType;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.steps.CheckpointInput;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.StepContext;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults injected under the activities, each with a line of the tally ({@code fault: …}) that
 * {@code deploy/faults.sh} collects: a damaged workspace (a stale {@code index.lock}, a removed
 * {@code .git}), the data directory's filesystem full during a checkpoint (a real 16 MiB tmpfs),
 * and a maker that floods its output. The fork bomb is {@code SandboxTest}'s.
 */
class FaultsTest {

  @TempDir Path tmp;
  TestActivityEnvironment env;
  WorkspaceActivities activities;
  PrepareResult prepared;
  Path mounted;

  private void start(Path data, long outputCap) throws Exception {
    Path origin = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "a\n"));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new WorkerActivities(data,
        new CommandPolicy(outputCap, CommandPolicy.DEFAULT_INHERITED, Map.of()), GitStore.under(data)).all());
    activities = env.newActivityStub(WorkspaceActivities.class);
    prepared = activities.prepare(new PrepareInput("loop-x", new WorkspaceSpec(origin.toString(), "main"), null));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (env != null) {
      env.close();
    }
    if (mounted != null) {
      new ProcessBuilder("umount", "-l", mounted.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private MakeResult make(int iteration, String commit, String command) {
    return activities.make(new MakeInput(new StepContext("loop-x", iteration, "goal", commit), new StepSpec(command, "PT1M")));
  }

  private Path ws() {
    return Path.of(prepared.workspacePath());
  }

  @Test
  void aStaleIndexLockIsRemovedAndTheStepGoesOn() throws Exception {
    start(tmp.resolve("data"), CommandPolicy.DEFAULT_OUTPUT_CAP);
    Files.writeString(ws().resolve(".git/index.lock"), "");
    MakeResult made = make(1, prepared.commit(), "echo b > a.txt");
    assertThat(made.changed()).isTrue();
    assertThat(ws().resolve(".git/index.lock")).doesNotExist();
    System.out.println("fault: stale index.lock in the workspace: removed, the step committed its attempt");
  }

  @Test
  void aRemovedGitDirectoryIsRebuiltFromTheLastCheckpoint() throws Exception {
    start(tmp.resolve("data"), CommandPolicy.DEFAULT_OUTPUT_CAP);
    MakeResult first = make(1, prepared.commit(), "echo b > a.txt");
    activities.checkpoint(new CheckpointInput("loop-x", 1, first.attemptCommit()));
    WorkspaceFiles.deleteTree(ws().resolve(".git"));
    Files.writeString(ws().resolve("a.txt"), "garbage\n");

    MakeResult second = make(2, first.attemptCommit(), "echo c >> a.txt");
    assertThat(Files.readString(ws().resolve("a.txt"))).isEqualTo("b\nc\n");
    try (Git git = Git.open(ws().toFile())) {
      assertThat(git.getRepository().parseCommit(git.getRepository().resolve(second.attemptCommit())).getParent(0).name())
          .isEqualTo(first.attemptCommit());
    }
    System.out.println("fault: workspace .git removed: cloned again, refs fetched from the store, the step went on from checkpoint 1");
  }

  @Test
  void aFullDiskDuringACheckpointFailsRetryablyAndLeavesNoCheckpoint() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
    Path data = Files.createDirectories(tmp.resolve("small"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", data.toString()).inheritIO().start();
    assumeTrue(mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0, "cannot mount a tmpfs here");
    mounted = data;
    start(data, CommandPolicy.DEFAULT_OUTPUT_CAP);
    MakeResult made = make(1, prepared.commit(), "echo b > a.txt");

    Path filler = data.resolve("filler");
    fill(filler);
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(
        () -> activities.checkpoint(new CheckpointInput("loop-x", 1, made.attemptCommit())));
    ApplicationFailure failure = null;
    for (Throwable t = thrown; t != null && failure == null; t = t.getCause()) {
      failure = t instanceof ApplicationFailure a ? a : null;
    }
    assertThat(failure).as("the activity failed with a typed failure: " + thrown).isNotNull();
    assertThat(failure.isNonRetryable()).isFalse();
    assertThat(LoopErrorType.valueOf(failure.getType()).isRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).containsIgnoringCase("no space left on device");
    String reason = failure.getType() + ": " + failure.getOriginalMessage();
    try (Git store = Git.open(data.resolve("store.git").toFile())) {
      assertThat(store.getRepository().exactRef("refs/tags/" + LoopRefs.checkpointTag("loop-x", 1))).isNull();
      assertThat(store.getRepository().exactRef("refs/heads/" + LoopRefs.workBranch("loop-x")).getObjectId().name())
          .isEqualTo(prepared.commit());
    }

    Files.delete(filler);
    activities.checkpoint(new CheckpointInput("loop-x", 1, made.attemptCommit()));
    try (Git store = Git.open(data.resolve("store.git").toFile())) {
      assertThat(store.getRepository().exactRef("refs/heads/" + LoopRefs.workBranch("loop-x")).getObjectId().name())
          .isEqualTo(made.attemptCommit());
    }
    System.out.println("fault: data directory full during a checkpoint: retryable " + reason
        + "; no checkpoint in the store; once space was freed the retry took it");
  }

  @Test
  void aMakerFloodingItsOutputIsKilledAtTheCap() throws Exception {
    start(tmp.resolve("data"), 4L << 20);
    long started = System.nanoTime();
    MakeResult made = make(1, prepared.commit(), "yes durable-loops-flood");
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(made.exitCode()).isEqualTo(-1);
    assertThat(made.outputTail()).contains("killed: output passed the cap of 4194304 bytes");
    assertThat(Files.size(Path.of(made.logPath()))).isLessThan(5L << 20);
    System.out.printf("fault: maker flooding its output: killed at the 4 MiB cap after %d ms, log kept at %d bytes%n",
        took.toMillis(), Files.size(Path.of(made.logPath())));
  }

  /** Writes zeros until the filesystem refuses. */
  private static void fill(Path file) throws IOException {
    byte[] block = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      if (!String.valueOf(full.getMessage()).toLowerCase().contains("space")) {
        throw full;
      }
    }
  }
}
