package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.durableloops.workflows.spec.WorkspaceSpec;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The git store between two "machines": two workspaces with data directories of their own and one
 * bare store, real repositories throughout.
 */
class GitStoreTest {

  @TempDir Path tmp;
  Path origin;
  GitStore store;
  GitWorkspace machineA;
  GitWorkspace machineB;

  @BeforeEach
  void setUp() throws Exception {
    origin = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "one\n"));
    store = new GitStore(tmp.resolve("shared/store.git").toString(), tmp.resolve("cache.git"));
    machineA = new GitWorkspace(new LoopPaths(tmp.resolve("a")), store);
    machineB = new GitWorkspace(new LoopPaths(tmp.resolve("b")), store);
  }

  @Test
  void anotherMachineRebuildsTheWorkspaceAtACheckpointFromTheStore() throws Exception {
    WorkspaceSpec spec = new WorkspaceSpec(origin.toString(), "main");
    GitWorkspace.Prepared p = machineA.prepare("loop-s", spec, null, null);
    Files.writeString(p.dir().resolve("a.txt"), "fixed\n");
    GitWorkspace.Attempt attempt = machineA.commitAttempt("loop-s", 1, p.baseCommit(), "attempt 1");
    String tag = machineA.checkpoint("loop-s", 1, attempt.commit());

    // Everything machine A made is in the store before its steps returned.
    try (Repository bare = new FileRepositoryBuilder().setGitDir(tmp.resolve("shared/store.git").toFile()).build()) {
      assertThat(bare.resolve("refs/tags/" + tag).name()).isEqualTo(attempt.commit());
      assertThat(bare.resolve("refs/loops/loop-s/attempts/1").name()).isEqualTo(attempt.commit());
      assertThat(bare.resolve("refs/heads/loops/loop-s").name()).isEqualTo(attempt.commit());
    }
    // Machine B has never seen the loop: it clones the origin and fetches the checkpoint.
    GitWorkspace.Prepared onB = machineB.prepare("loop-s", spec, attempt.commit(), null);
    assertThat(onB.commit()).isEqualTo(attempt.commit());
    assertThat(Files.readString(onB.dir().resolve("a.txt"))).isEqualTo("fixed\n");
    // Pushing again is idempotent.
    assertThat(machineA.checkpoint("loop-s", 1, attempt.commit())).isEqualTo(tag);
    // The API's view: the checkpoint's diff from the store alone.
    assertThat(store.diffWithParent("loop-s", "refs/tags/" + tag).text()).contains("+fixed").contains("-one");
  }

  @Test
  void attemptsOnTopOfPushedOnesCarryEveryObjectTheyReach() throws Exception {
    // Pushes copy only what differs from a parent the store has: nested, moved, deleted and new
    // directories, a file made a directory, and back to a tree the store has seen.
    WorkspaceSpec spec = new WorkspaceSpec(origin.toString(), "main");
    GitWorkspace.Prepared p = machineA.prepare("loop-c", spec, null, null);
    Files.createDirectories(p.dir().resolve("x/y/z"));
    Files.writeString(p.dir().resolve("x/y/z/deep.txt"), "deep\n");
    Files.writeString(p.dir().resolve("x/top.txt"), "top\n");
    GitWorkspace.Attempt first = machineA.commitAttempt("loop-c", 1, p.baseCommit(), "attempt 1");
    Files.writeString(p.dir().resolve("x/y/z/deep.txt"), "deeper\n");
    Files.move(p.dir().resolve("x/top.txt"), p.dir().resolve("moved.txt"));
    Files.delete(p.dir().resolve("a.txt"));
    Files.createDirectories(p.dir().resolve("a.txt"));
    Files.writeString(p.dir().resolve("a.txt/inside.txt"), "one\n");
    GitWorkspace.Attempt second = machineA.commitAttempt("loop-c", 2, first.commit(), "attempt 2");
    machineA.reconcile("loop-c", p.baseCommit());
    GitWorkspace.Attempt third = machineA.commitAttempt("loop-c", 3, second.commit(), "attempt 3");
    Path bare = tmp.resolve("shared/store.git");
    // git fsck fails on any object a ref reaches that the store lacks.
    assertThat(TestRepos.git(bare, "fsck", "--no-dangling", "--strict")).doesNotContain("missing");
    assertThat(TestRepos.git(bare, "ls-tree", "-r", "--name-only", second.commit()))
        .isEqualTo("a.txt/inside.txt\nmoved.txt\nx/y/z/deep.txt");
    assertThat(TestRepos.git(bare, "show", second.commit() + ":x/y/z/deep.txt")).isEqualTo("deeper");
    assertThat(TestRepos.git(bare, "ls-tree", "-r", "--name-only", third.commit())).isEqualTo("a.txt");
  }

  @Test
  void aForkStartsOnAnotherMachineFromTheSourceLoopsRefs() throws Exception {
    WorkspaceSpec spec = new WorkspaceSpec(origin.toString(), "main");
    GitWorkspace.Prepared p = machineA.prepare("loop-src", spec, null, null);
    Files.writeString(p.dir().resolve("a.txt"), "forked\n");
    GitWorkspace.Attempt attempt = machineA.commitAttempt("loop-src", 1, p.baseCommit(), "attempt 1");
    machineA.checkpoint("loop-src", 1, attempt.commit());
    GitWorkspace.Prepared fork = machineB.prepare("loop-fork", spec, attempt.commit(), "loop-src");
    assertThat(Files.readString(fork.dir().resolve("a.txt"))).isEqualTo("forked\n");
  }

  @Test
  void stepLogsAreKeptInTheStore() throws Exception {
    machineA.prepare("loop-l", new WorkspaceSpec(origin.toString(), "main"), null, null);
    Path log = tmp.resolve("iter-0001-make.log");
    Files.writeString(log, "made it\n");
    machineA.recordLog("loop-l", "iter-0001-make.log", log);
    Files.writeString(log, "checked\n");
    machineA.recordLog("loop-l", "iter-0001-check-tests.log", log);
    assertThat(store.logs("loop-l")).containsExactly("iter-0001-check-tests.log", "iter-0001-make.log");
    assertThat(new String(store.log("loop-l", "iter-0001-make.log"))).isEqualTo("made it\n");
    assertThatThrownBy(() -> store.log("loop-l", "nope.log"))
        .isInstanceOfSatisfying(StepException.class, e -> assertThat(e.kind()).isEqualTo(StepException.Kind.COMMIT_MISSING));
  }

  @Test
  void aStepsLogsGoToTheStoreTogetherBesideTheEarlierOnes() throws Exception {
    machineA.prepare("loop-m", new WorkspaceSpec(origin.toString(), "main"), null, null);
    Path make = Files.writeString(tmp.resolve("iter-0001-make.log"), "made it\n");
    machineA.recordLog("loop-m", "iter-0001-make.log", make);
    Path log = Files.writeString(tmp.resolve("iter-0002-discover.log"), "found\n");
    Path out = Files.writeString(tmp.resolve("iter-0002-discover.out"), "- [ ] a task\n");
    java.util.Map<String, Path> both = new java.util.LinkedHashMap<>();
    both.put("iter-0002-discover.log", log);
    both.put("iter-0002-discover.out", out);
    machineA.recordLogs("loop-m", both);
    assertThat(store.logs("loop-m")).containsExactly("iter-0001-make.log", "iter-0002-discover.log", "iter-0002-discover.out");
    assertThat(new String(store.log("loop-m", "iter-0002-discover.out"))).isEqualTo("- [ ] a task\n");
    assertThat(new String(store.log("loop-m", "iter-0002-discover.log"))).isEqualTo("found\n");
    assertThat(new String(store.log("loop-m", "iter-0001-make.log"))).isEqualTo("made it\n");
  }

  @Test
  void aStoreThatCannotBeReachedIsARetryableFailureNeverALocalOnlyCheckpoint() throws Exception {
    GitStore unreachable = new GitStore("http://127.0.0.1:9/store.git", tmp.resolve("cache2.git"));
    GitWorkspace machine = new GitWorkspace(new LoopPaths(tmp.resolve("c")), unreachable);
    assertThatThrownBy(() -> machine.prepare("loop-u", new WorkspaceSpec(origin.toString(), "main"), null, null))
        .isInstanceOfSatisfying(StepException.class, e -> {
          ApplicationFailure failure = Failures.of(e);
          assertThat(failure.getType()).isEqualTo("STORE_UNAVAILABLE");
          assertThat(failure.isNonRetryable()).isFalse();
          assertThat(failure.getOriginalMessage()).contains("http://127.0.0.1:9/store.git");
        });
  }

  @Test
  void aCommitTheStoreHasLostFailsNamingTheCommit() throws Exception {
    machineA.prepare("loop-m", new WorkspaceSpec(origin.toString(), "main"), null, null);
    String lost = "0123456789012345678901234567890123456789";
    assertThatThrownBy(() -> machineB.prepare("loop-m", new WorkspaceSpec(origin.toString(), "main"), lost, null))
        .isInstanceOfSatisfying(StepException.class, e -> {
          ApplicationFailure failure = Failures.of(e);
          assertThat(failure.getType()).isEqualTo("WORKSPACE_BROKEN");
          assertThat(failure.isNonRetryable()).isTrue();
          assertThat(failure.getOriginalMessage()).contains(lost).contains("git store");
        });
  }
}
