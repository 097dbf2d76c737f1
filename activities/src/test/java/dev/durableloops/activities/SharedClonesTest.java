package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.durableloops.workflows.spec.WorkspaceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fan-out's children on one worker share the repository's objects through the worker's mirror
 * ({@link SharedClones}), and a child whose workspace is lost or damaged is rebuilt from the git store.
 * Real repositories through {@link GitWorkspace}, as the {@code Prepare} activity calls it.
 */
class SharedClonesTest {

  static final String PARENT = "loop-p";

  @TempDir Path tmp;
  Path origin;
  LoopPaths paths;
  GitWorkspace workspace;
  WorkspaceSpec spec;
  GitWorkspace.Prepared parent;

  @BeforeEach
  void setUp() throws Exception {
    origin = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "one\n", "dir/b.txt", "two\n"));
    paths = new LoopPaths(tmp.resolve("data"));
    workspace = new GitWorkspace(paths);
    spec = new WorkspaceSpec(origin.toString(), "main");
    parent = workspace.prepare(PARENT, spec, null, null);
  }

  @Test
  void childrenBorrowTheMirrorsObjectsAndCommitAndPushTheirOwn() throws Exception {
    // The parent's head moved past the repository's (a landing): the children start from it.
    Files.writeString(parent.dir().resolve("a.txt"), "landed\n");
    GitWorkspace.Attempt landed = workspace.commitAttempt(PARENT, 1, parent.commit(), "landed");
    workspace.checkpoint(PARENT, 1, landed.commit());

    GitWorkspace.Prepared t1 = workspace.prepare(PARENT + "-t1", spec, landed.commit(), PARENT, true);
    GitWorkspace.Prepared t2 = workspace.prepare(PARENT + "-t2", spec, landed.commit(), PARENT, true);

    Path mirrorObjects = new SharedClones(paths).mirror(origin.toString()).resolve("objects");
    for (GitWorkspace.Prepared child : new GitWorkspace.Prepared[] {t1, t2}) {
      assertThat(child.baseCommit()).isEqualTo(parent.baseCommit());
      assertThat(child.commit()).isEqualTo(landed.commit());
      assertThat(Files.readString(child.dir().resolve("a.txt"))).isEqualTo("landed\n");
      assertThat(Files.readString(child.dir().resolve(".git/objects/info/alternates"))).isEqualTo(mirrorObjects + "\n");
      // The repository's objects are the mirror's; only the landed commit came from the store into the child.
      assertThat(objectFiles(child.dir())).isLessThanOrEqualTo(3);
    }

    Files.writeString(t1.dir().resolve("dir/b.txt"), "child work\n");
    GitWorkspace.Attempt attempt = workspace.commitAttempt(PARENT + "-t1", 1, t1.commit(), "child attempt");
    String tag = workspace.checkpoint(PARENT + "-t1", 1, attempt.commit());
    try (Git store = Git.open(paths.dataDir().resolve("store.git").toFile())) {
      assertThat(store.getRepository().resolve("refs/tags/" + tag).name()).isEqualTo(attempt.commit());
      assertThat(store.getRepository().resolve("refs/heads/loops/" + PARENT + "-t1").name()).isEqualTo(attempt.commit());
    }
    // Sharing left the other child and the mirror alone.
    assertThat(Files.readString(t2.dir().resolve("dir/b.txt"))).isEqualTo("two\n");
  }

  @Test
  void aNewChildSeesTheRepositorysNewCommitsThroughTheRefreshedMirror() throws Exception {
    workspace.prepare(PARENT + "-t1", spec, parent.commit(), PARENT, true);
    Files.writeString(origin.resolve("a.txt"), "upstream moved\n");
    String moved;
    try (Git git = Git.open(origin.toFile())) {
      git.add().addFilepattern(".").call();
      moved = git.commit().setMessage("upstream").setAuthor(GitWorkspace.IDENT).setCommitter(GitWorkspace.IDENT).call().name();
    }
    GitWorkspace.Prepared t2 = workspace.prepare(PARENT + "-t2", spec, null, null, true);
    assertThat(t2.baseCommit()).isEqualTo(moved);
    assertThat(Files.readString(t2.dir().resolve("a.txt"))).isEqualTo("upstream moved\n");
  }

  @Test
  void aDamagedChildIsClonedSharedAgainAndItsCommitsComeFromTheStore() throws Exception {
    GitWorkspace.Prepared t1 = workspace.prepare(PARENT + "-t1", spec, parent.commit(), PARENT, true);
    Files.writeString(t1.dir().resolve("a.txt"), "child work\n");
    GitWorkspace.Attempt attempt = workspace.commitAttempt(PARENT + "-t1", 1, t1.commit(), "child attempt");

    WorkspaceFiles.deleteTree(t1.dir().resolve(".git"));
    workspace.reconcile(PARENT + "-t1", attempt.commit());
    assertThat(Files.readString(t1.dir().resolve("a.txt"))).isEqualTo("child work\n");
    assertThat(t1.dir().resolve(".git/objects/info/alternates")).exists();

    // A step that removed the alternates only breaks its own run: the next open writes them again.
    Files.delete(t1.dir().resolve(".git/objects/info/alternates"));
    TrustedGit.distrust(t1.dir());
    workspace.reconcile(PARENT + "-t1", t1.commit());
    assertThat(Files.readString(t1.dir().resolve("a.txt"))).isEqualTo("one\n");
  }

  @Test
  void aLostWorkersChildIsRebuiltOnAnotherWorkerFromTheGitStore() throws Exception {
    GitWorkspace.Prepared t1 = workspace.prepare(PARENT + "-t1", spec, parent.commit(), PARENT, true);
    Files.writeString(t1.dir().resolve("a.txt"), "child work\n");
    GitWorkspace.Attempt attempt = workspace.commitAttempt(PARENT + "-t1", 1, t1.commit(), "child attempt");
    workspace.checkpoint(PARENT + "-t1", 1, attempt.commit());

    // Another worker: its own data directory (no mirror, no clone), the same git store.
    LoopPaths elsewhere = new LoopPaths(tmp.resolve("data2"));
    GitWorkspace other = new GitWorkspace(elsewhere,
        new GitStore(paths.dataDir().resolve("store.git").toString(), elsewhere.dataDir().resolve("store-cache.git")));
    GitWorkspace.Prepared moved = other.prepare(PARENT + "-t1", spec, attempt.commit(), null, true);
    assertThat(moved.commit()).isEqualTo(attempt.commit());
    assertThat(Files.readString(moved.dir().resolve("a.txt"))).isEqualTo("child work\n");
    assertThat(Files.readString(moved.dir().resolve(".git/objects/info/alternates")))
        .isEqualTo(new SharedClones(elsewhere).mirror(origin.toString()).resolve("objects") + "\n");
    try (Git git = Git.open(moved.dir().toFile())) {
      Repository repo = git.getRepository();
      assertThat(repo.resolve("refs/heads/loops/" + PARENT + "-t1").name()).isEqualTo(attempt.commit());
    }
  }

  @Test
  void aLoopThatIsNoChildStillGetsAFullClone() throws Exception {
    assertThat(parent.dir().resolve(".git/objects/info/alternates")).doesNotExist();
    assertThat(paths.loopDir(PARENT).resolve(SharedClones.RECORD_FILE)).doesNotExist();
    assertThat(paths.dataDir().resolve(SharedClones.MIRRORS)).doesNotExist();
  }

  /** Loose objects and pack files in a repository's own object directory. */
  private static long objectFiles(Path workTreeOrGitDir) throws Exception {
    Path objects = Files.isDirectory(workTreeOrGitDir.resolve(".git")) ? workTreeOrGitDir.resolve(".git/objects") : workTreeOrGitDir.resolve("objects");
    try (Stream<Path> walk = Files.walk(objects)) {
      return walk.filter(Files::isRegularFile).filter(p -> !p.startsWith(objects.resolve("info"))).count();
    }
  }
}
