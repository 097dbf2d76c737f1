package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.durableloops.workflows.spec.WorkspaceSpec;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitWorkspaceTest {

  @TempDir Path tmp;
  Path origin;
  GitWorkspace workspace;
  LoopPaths paths;

  @BeforeEach
  void setUp() throws Exception {
    origin = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "one\n", "dir/b.txt", "two\n"));
    paths = new LoopPaths(tmp.resolve("data"));
    workspace = new GitWorkspace(paths);
  }

  private String originHead() throws Exception {
    try (Git git = Git.open(origin.toFile())) {
      return git.getRepository().resolve("HEAD").name();
    }
  }

  @Test
  void prepareClonesCreatesTheWorkBranchAndLeavesTheOriginAlone() throws Exception {
    GitWorkspace.Prepared p = workspace.prepare("loop-a", new WorkspaceSpec(origin.toString(), "main"), null, null);
    assertThat(p.baseCommit()).isEqualTo(originHead());
    assertThat(p.commit()).isEqualTo(originHead());
    try (Git git = Git.open(p.dir().toFile())) {
      Repository repo = git.getRepository();
      assertThat(repo.resolve("refs/heads/loops/loop-a").name()).isEqualTo(originHead());
      assertThat(Files.readString(repo.getDirectory().toPath().resolve("info/exclude"))).contains(".loop/");
    }
    try (Git git = Git.open(origin.toFile())) {
      assertThat(git.getRepository().getRefDatabase().getRefsByPrefix("refs/heads/loops")).isEmpty();
    }
    // Idempotent: a retried Prepare finds the clone and answers the same.
    assertThat(workspace.prepare("loop-a", new WorkspaceSpec(origin.toString(), "main"), null, null)).isEqualTo(p);
  }

  @Test
  void aStepThatRemovesRefsAndBreaksHeadLeavesAWorkspaceTheWorkerStillUses() throws Exception {
    GitWorkspace.Prepared p = workspace.prepare("loop-r", new WorkspaceSpec(origin.toString(), "main"), null, null);
    Path gitDir = p.dir().resolve(".git");
    // What a step may leave: the refs packed and their directory gone, HEAD naming nothing.
    TrustedGit.distrust(p.dir());
    TestRepos.git(p.dir(), "pack-refs", "--all");
    WorkspaceFiles.deleteTree(gitDir.resolve("refs"));
    Files.writeString(gitDir.resolve("HEAD"), "0000000000000000000000000000000000000000\n");
    Files.writeString(p.dir().resolve("a.txt"), "changed\n");
    GitWorkspace.Attempt attempt = workspace.commitAttempt("loop-r", 1, p.commit(), "attempt 1");
    assertThat(attempt.changed()).isTrue();
    assertThat(workspace.firstParent("loop-r", attempt.commit())).isEqualTo(p.commit());
    workspace.reconcile("loop-r", p.commit());
    assertThat(Files.readString(p.dir().resolve("a.txt"))).isEqualTo("one\n");
  }

  @Test
  void aMissingRepositoryOrBranchIsANonRetryableFailure() {
    assertThatThrownBy(() -> workspace.prepare("loop-b", new WorkspaceSpec(tmp.resolve("nope").toString(), null), null, null))
        .isInstanceOfSatisfying(StepException.class, e -> {
          ApplicationFailure f = Failures.of(e);
          assertThat(f.getType()).isEqualTo("REPOSITORY_UNAVAILABLE");
          assertThat(f.isNonRetryable()).isTrue();
        });
    assertThatThrownBy(() -> workspace.prepare("loop-c", new WorkspaceSpec(origin.toString(), "no-such-branch"), null, null))
        .isInstanceOfSatisfying(StepException.class, e -> assertThat(Failures.of(e).getType()).isEqualTo("REPOSITORY_UNAVAILABLE"));
    assertThat(Files.exists(paths.workspace("loop-b"))).isFalse();
  }

  @Test
  void attemptCheckpointAndDiscard() throws Exception {
    GitWorkspace.Prepared p = workspace.prepare("loop-a", new WorkspaceSpec(origin.toString(), "main"), null, null);
    Path ws = p.dir();
    Files.writeString(ws.resolve("a.txt"), "one\nmore\n");
    Files.delete(ws.resolve("dir/b.txt"));
    Files.writeString(ws.resolve("new.txt"), "new\n");
    Files.createDirectories(ws.resolve(".loop"));
    Files.writeString(ws.resolve(".loop/STATE.md"), "memory");

    GitWorkspace.Attempt attempt = workspace.commitAttempt("loop-a", 1, p.baseCommit(), "attempt 1");
    assertThat(attempt.changed()).isTrue();
    assertThat(attempt.diffStat()).isEqualTo("3 files changed, +2 -1");
    assertThat(attempt.ref()).isEqualTo("refs/loops/loop-a/attempts/1");
    try (Git git = Git.open(ws.toFile())) {
      Repository repo = git.getRepository();
      assertThat(repo.resolve(attempt.ref()).name()).isEqualTo(attempt.commit());
      // The attempt does not move the work branch, and memory files are not committed.
      assertThat(repo.resolve("refs/heads/loops/loop-a").name()).isEqualTo(p.baseCommit());
      assertThat(workspace.diff("loop-a", p.baseCommit(), attempt.commit()).text()).doesNotContain(".loop");
    }

    String tag = workspace.checkpoint("loop-a", 1, attempt.commit());
    assertThat(tag).isEqualTo("loops/loop-a/cp-1");
    // Idempotent: taking the same checkpoint again changes nothing.
    assertThat(workspace.checkpoint("loop-a", 1, attempt.commit())).isEqualTo(tag);
    try (Git git = Git.open(ws.toFile())) {
      assertThat(git.getRepository().resolve("refs/tags/" + tag).name()).isEqualTo(attempt.commit());
      assertThat(git.getRepository().resolve("refs/heads/loops/loop-a").name()).isEqualTo(attempt.commit());
    }

    // A second attempt is discarded: hard reset and clean back to checkpoint 1.
    Files.writeString(ws.resolve("a.txt"), "broken\n");
    Files.writeString(ws.resolve("junk.txt"), "junk\n");
    GitWorkspace.Attempt second = workspace.commitAttempt("loop-a", 2, attempt.commit(), "attempt 2");
    Files.writeString(ws.resolve("untracked-after.txt"), "x");
    workspace.reconcile("loop-a", attempt.commit());
    assertThat(Files.readString(ws.resolve("a.txt"))).isEqualTo("one\nmore\n");
    assertThat(ws.resolve("junk.txt")).doesNotExist();
    assertThat(ws.resolve("untracked-after.txt")).doesNotExist();
    assertThat(ws.resolve(".loop/STATE.md")).exists();
    try (Git git = Git.open(ws.toFile())) {
      assertThat(git.getRepository().resolve("refs/heads/loops/loop-a").name()).isEqualTo(attempt.commit());
      assertThat(git.getRepository().resolve(second.ref()).name()).isEqualTo(second.commit());
    }
  }

  @Test
  void anUnchangedAttemptIsAnEmptyCommit() throws Exception {
    GitWorkspace.Prepared p = workspace.prepare("loop-a", new WorkspaceSpec(origin.toString(), null), null, null);
    GitWorkspace.Attempt attempt = workspace.commitAttempt("loop-a", 1, p.baseCommit(), "nothing");
    assertThat(attempt.changed()).isFalse();
    assertThat(attempt.commit()).isNotEqualTo(p.baseCommit());
    assertThat(attempt.diffStat()).isEqualTo("0 files changed, +0 -0");
  }

  @Test
  void reconcileToAnUnknownCommitIsWorkspaceBroken() throws Exception {
    workspace.prepare("loop-a", new WorkspaceSpec(origin.toString(), null), null, null);
    assertThatThrownBy(() -> workspace.reconcile("loop-a", "0123456789012345678901234567890123456789"))
        .isInstanceOfSatisfying(StepException.class, e -> assertThat(Failures.of(e).getType()).isEqualTo("WORKSPACE_BROKEN"));
  }

  @Test
  void loopIdsThatCouldEscapeTheDataDirectoryAreRefused() {
    assertThatThrownBy(() -> paths.loopDir("../etc"))
        .isInstanceOfSatisfying(StepException.class, e -> assertThat(Failures.of(e).getType()).isEqualTo("BAD_SPEC"));
    assertThatThrownBy(() -> paths.loopDir("a/b"))
        .isInstanceOfSatisfying(StepException.class, e -> assertThat(Failures.of(e).getType()).isEqualTo("BAD_SPEC"));
  }
}
