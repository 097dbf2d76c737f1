package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.steps.LandInput;
import dev.durableloops.workflows.steps.LandResult;
import dev.durableloops.workflows.steps.LandingActivities;
import dev.durableloops.workflows.steps.StepContext;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Land} against real repositories and a real git store: a landing moves the store's branch
 * once, and the same landing again (a worker killed after the swap, the activity retried) reports
 * it landed without landing it twice.
 */
class LandingActivitiesTest {

  @TempDir Path tmp;
  TestActivityEnvironment env;

  @AfterEach
  void close() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void aRetriedLandingFindsItsCommitAndLandsNothingTwice() throws Exception {
    Path data = tmp.resolve("data");
    Path repo = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "a\n", "b.txt", "b\n"));
    WorkspaceSpec workspace = new WorkspaceSpec(repo.toString(), "main");
    GitWorkspace git = new GitWorkspace(new LoopPaths(data));
    String base = git.prepare("loop-p", workspace, null, null).commit();
    // The child: a fork of the parent at its head, with one accepted change.
    git.prepare("loop-p-t1", workspace, base, "loop-p");
    Files.writeString(new LoopPaths(data).workspace("loop-p-t1").resolve("b.txt"), "child\n");
    String childHead = git.commitAttempt("loop-p-t1", 1, base, "attempt").commit();
    git.checkpoint("loop-p-t1", 1, childHead);

    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new WorkerActivities(data).all());
    LandingActivities landing = env.newActivityStub(LandingActivities.class);
    LandInput input = new LandInput(new StepContext("loop-p", 1, "goal", base), "loop-p-t1", childHead, 1, "change b",
        List.of(new CheckSpec("b", "grep -qx child b.txt", null, "PT1M", true, null)));

    LandResult first = landing.land(input);
    assertThat(first.landed()).as(first.reason()).isTrue();
    assertThat(first.tag()).isEqualTo("loops/loop-p/cp-1");
    Path store = data.resolve("store.git");
    assertThat(StoreLanding.read(store, "refs/heads/loops/loop-p").name()).isEqualTo(first.head());

    // The same input again, as Temporal retries it when the worker died before reporting.
    LandResult again = landing.land(input);
    assertThat(again.landed()).isTrue();
    assertThat(again.head()).isEqualTo(first.head());
    assertThat(again.reason()).startsWith("already landed");
    try (Git bare = Git.open(store.toFile()); RevWalk walk = new RevWalk(bare.getRepository())) {
      ObjectId head = bare.getRepository().resolve("refs/heads/loops/loop-p");
      assertThat(walk.parseCommit(head).getParent(0).name()).isEqualTo(base);
    }
  }
}
