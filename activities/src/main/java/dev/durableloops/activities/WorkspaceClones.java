package dev.durableloops.activities;

import dev.durableloops.workflows.steps.AttemptIds;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.RefSpec;

/**
 * Making and repairing a loop's clone on this worker: cloning the loop's repository into its
 * workspace (a half-made clone is made again), remembering where it came from
 * ({@link #ORIGIN_FILE}), opening it through {@link TrustedGit} and, when its {@code .git} is gone
 * or broken, cloning it again and fetching the loop's refs from the {@link GitStore}; also the
 * removal of the lock files a killed git process leaves. What is done in the clone is
 * {@link GitWorkspace}'s job.
 */
final class WorkspaceClones {

  /** Written into {@code .git} once a clone is complete; a clone without it is half made. */
  static final String CLONED_MARKER = "durable-loops-cloned";

  /** Beside the workspace: the repository and branch it was cloned from, to rebuild it if damaged. */
  static final String ORIGIN_FILE = "origin";

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WorkspaceClones.class);

  private final LoopPaths paths;
  private final GitStore store;
  private final SharedClones shared;

  WorkspaceClones(LoopPaths paths, GitStore store) {
    this.paths = paths;
    this.store = store;
    this.shared = new SharedClones(paths);
  }

  /**
   * Makes the loop's workspace a complete clone of {@code spec}'s repository (cloning it unless it
   * is one already), remembers where it comes from and removes stale git locks.
   *
   * @param share whether a new clone borrows the objects of the worker's mirror of the repository
   *     ({@link SharedClones}: a fan-out's child) instead of holding its own; a workspace already
   *     cloned stays as it is
   * @throws StepException {@code REPOSITORY_UNAVAILABLE} when the repository cannot be cloned
   */
  void ensure(String loopId, WorkspaceSpec spec, boolean share) {
    Path dir = paths.workspace(loopId);
    if (!isCloned(dir, loopId, spec.repository())) {
      if (share) {
        shared.cloneInto(loopId, dir, spec);
      } else {
        cloneInto(dir, spec);
      }
    }
    rememberOrigin(loopId, spec);
    removeStaleLocks(dir);
  }

  /**
   * The loop's workspace repository, repaired first when it is damaged: a workspace whose
   * {@code .git} is gone or cannot be opened is cloned again
   * from the loop's repository ({@link #ORIGIN_FILE}) with the loop's refs fetched from the git store,
   * so the caller can reconcile it to any commit the store holds. Only the fence's owner repairs (here and in
   * {@link GitWorkspace#reconcile}, which removes stale locks), after every process of the loop was killed.
   *
   * <p>An attempt's workspace ({@link AttemptIds}) is made on its first open ({@link AttemptWorkspaces}).
   *
   * @throws StepException {@code COMMIT_MISSING} when the loop never had a workspace on this worker
   */
  Git open(String loopId) throws IOException {
    Path dir = paths.workspace(loopId);
    if (AttemptIds.parse(loopId) != null) {
      // An attempt's workspace is made, never cloned: it borrows the loop clone's objects.
      TrustedGit.check(dir);
      AttemptWorkspaces.ensure(dir);
      Git git = TrustedGit.open(dir, null);
      excludeLoopDir(git.getRepository());
      return git;
    }
    if (TrustedGit.hasGitDirectory(dir)) {
      try {
        // A shared workspace whose alternates a step removed gets them back (changed ones are refused in the open).
        SharedClones.restore(dir);
        Git git = TrustedGit.open(dir, origin(loopId));
        if (git.getRepository().getObjectDatabase().exists()) {
          return git;
        }
        git.close();
      } catch (StepException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        log.debug("workspace {} cannot be opened: {}", dir, e.getMessage());
      }
    }
    // A .git that is a link or a file is refused here, never repaired: it is a step's work.
    TrustedGit.check(dir);
    rebuild(loopId, dir);
    return TrustedGit.open(dir, origin(loopId));
  }

  /** The loop's repository as {@link #rememberOrigin} wrote it, or {@code null} before the first prepare. */
  private String origin(String loopId) throws IOException {
    Path file = paths.loopDir(loopId).resolve(ORIGIN_FILE);
    return Files.exists(file) ? Files.readAllLines(file).get(0) : null;
  }

  private void rememberOrigin(String loopId, WorkspaceSpec spec) {
    try {
      Files.writeString(paths.loopDir(loopId).resolve(ORIGIN_FILE),
          spec.repository() + "\n" + (spec.branch() == null ? "" : spec.branch()) + "\n");
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot write " + ORIGIN_FILE + " of loop " + loopId + ": " + e.getMessage(), e);
    }
  }

  private void rebuild(String loopId, Path dir) throws IOException {
    Path origin = paths.loopDir(loopId).resolve(ORIGIN_FILE);
    if (!Files.exists(origin)) {
      throw new StepException(StepException.Kind.COMMIT_MISSING,
          "loop " + loopId + " has no workspace on this worker (" + dir + ")");
    }
    List<String> lines = Files.readAllLines(origin);
    WorkspaceSpec spec = new WorkspaceSpec(lines.get(0), lines.size() > 1 && !lines.get(1).isBlank() ? lines.get(1) : null);
    boolean share = SharedClones.expectedAlternates(dir) != null;
    log.warn("the workspace of loop {} is damaged (no usable .git in {}); cloning {} again{} and fetching the loop from the git store",
        loopId, dir, spec.repository(), share ? " (sharing the worker's mirror)" : "");
    if (share) {
      shared.cloneInto(loopId, dir, spec);
    } else {
      cloneInto(dir, spec);
    }
    try (Git git = TrustedGit.open(dir, spec.repository())) {
      Repository repo = git.getRepository();
      store.fetch(repo, loopId);
      ObjectId branch = repo.resolve("refs/remotes/store/loops/" + loopId);
      if (branch != null) {
        LoopRefs.setRef(repo, Constants.R_HEADS + LoopRefs.workBranch(loopId), branch);
      }
      excludeLoopDir(repo);
      // Files as a clone has them (the repository's branch), until the caller reconciles.
      ObjectId base = baseTip(repo, spec.branch());
      if (base != null) {
        LoopRefs.pointHead(repo, base, "clone: the repository's branch");
        GitCommandLine.resetHard(dir, base);
        GitCommandLine.publishIndex(dir);
      }
    }
  }

  /**
   * Removes the lock files git leaves when a process holding them is killed; only in a {@code .git}
   * that is a directory, never through a link to another repository, whose locks may be live.
   */
  static void removeStaleLocks(Path dir) {
    if (!TrustedGit.hasGitDirectory(dir)) {
      return;
    }
    Path gitDir = dir.resolve(".git");
    List<Path> locks = new java.util.ArrayList<>();
    // The worker's own index (GitCommandLine#index) beside the work tree.
    locks.add(GitCommandLine.lock(dir));
    for (String name : List.of("index.lock", "HEAD.lock", "packed-refs.lock", "config.lock", "shallow.lock")) {
      if (Files.exists(gitDir.resolve(name))) {
        locks.add(gitDir.resolve(name));
      }
    }
    if (Files.isDirectory(gitDir.resolve("refs"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> walk = Files.walk(gitDir.resolve("refs"))) {
        walk.filter(p -> p.getFileName().toString().endsWith(".lock")).forEach(locks::add);
      } catch (IOException e) {
        log.debug("cannot look for stale ref locks in {}: {}", gitDir, e.getMessage());
      }
    }
    for (Path lock : locks) {
      try {
        if (Files.deleteIfExists(lock)) {
          log.warn("removed the stale lock {}", lock);
        }
      } catch (IOException e) {
        throw new StepException(StepException.Kind.IO, "cannot remove the stale lock " + lock + ": " + e.getMessage(), e);
      }
    }
  }

  /** A complete clone: marked so, or already carrying the loop's work branch (made after a clone). */
  private static boolean isCloned(Path dir, String loopId, String origin) {
    if (Files.exists(dir.resolve(".git").resolve(CLONED_MARKER))) {
      return true;
    }
    if (!TrustedGit.hasGitDirectory(dir)) {
      return false;
    }
    try (Git git = TrustedGit.open(dir, origin)) {
      return git.getRepository().exactRef(Constants.R_HEADS + LoopRefs.workBranch(loopId)) != null;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static void cloneInto(Path dir, WorkspaceSpec spec) {
    // A clone a crashed worker left half made is thrown away and made again. Cloning happens in
    // place: JGit may still be collecting garbage in the background after the clone returns, so the
    // directory must not be moved.
    WorkspaceFiles.deleteTree(dir);
    GitCommandLine.forgetIndex(dir);
    TrustedGit.distrust(dir);
    try {
      Files.createDirectories(dir.getParent());
      // A full clone borrows nothing: a record of a shared workspace that was here goes.
      SharedClones.forget(dir);
      String branch = spec.branch() != null && !spec.branch().isBlank() && !spec.branch().startsWith("refs/") ? spec.branch() : null;
      // No checkout: the first reconcile checks the files out with the command line, into the worker's index.
      if (!cloneWithCommandLine(dir, spec.repository(), branch)) {
        var clone = Git.cloneRepository().setFs(TrustedGit.FS).setURI(spec.repository()).setDirectory(dir.toFile()).setNoCheckout(true);
        if (branch != null) {
          clone.setBranch(branch);
        }
        try (Git ignored = clone.call()) {
          // Cloned; the marker comes next.
        }
      }
      Files.writeString(dir.resolve(".git").resolve(CLONED_MARKER), spec.repository() + "\n");
    } catch (GitAPIException | RuntimeException e) {
      WorkspaceFiles.deleteTree(dir);
      throw new StepException(StepException.Kind.REPOSITORY_UNAVAILABLE,
          "cannot clone " + spec.repository() + ": " + e.getMessage(), e);
    } catch (IOException e) {
      WorkspaceFiles.deleteTree(dir);
      throw new StepException(StepException.Kind.IO, "cannot create workspace " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Clones a repository on a local path with the command line ({@link GitCommandLine#cloneLocal}:
   * one pack, never linked objects), several times faster than JGit on 20,000 files (BENCHMARKS.md). A
   * URL, a failed clone (a repository of another user that git will not read without
   * {@code safe.directory}, say) and one that came with alternates (the worker would refuse to
   * open it) are left to JGit.
   *
   * @return whether {@code dir} is now the clone
   */
  private static boolean cloneWithCommandLine(Path dir, String repository, String branch) {
    if (!GitCommandLine.isLocalDirectory(repository)) {
      return false;
    }
    GitCommandLine.Result result = GitCommandLine.cloneLocal(Path.of(repository), dir, branch);
    Path gitDir = dir.resolve(".git");
    boolean borrows = TrustedGit.REDIRECTS.stream().anyMatch(r -> Files.exists(gitDir.resolve(r), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    if (result.ok() && !borrows && TrustedGit.hasGitDirectory(dir)) {
      return true;
    }
    log.info("git clone of {} did not give a plain clone ({}); cloning with JGit", repository,
        result.ok() ? "it borrows objects" : "exit " + result.exit() + ": " + result.output().strip());
    WorkspaceFiles.deleteTree(dir);
    return false;
  }

  static ObjectId baseTip(Repository repo, String branch) throws IOException {
    if (branch != null && branch.startsWith("refs/")) {
      // A full ref such as a checkpoint tag (forks made before ForkSeed start from one); fetched
      // when the clone lacks it.
      ObjectId direct = Diffs.resolveCommit(repo, branch);
      if (direct == null) {
        try (Git git = new Git(repo)) {
          git.fetch().setRemote("origin").setRefSpecs(new RefSpec("+" + branch + ":" + branch)).call();
        } catch (GitAPIException e) {
          return null;
        }
        direct = Diffs.resolveCommit(repo, branch);
      }
      return direct;
    }
    if (branch == null || branch.isBlank()) {
      ObjectId remoteHead = repo.resolve("refs/remotes/origin/HEAD^{commit}");
      return remoteHead != null ? remoteHead : repo.resolve("HEAD^{commit}");
    }
    ObjectId remote = repo.resolve(Constants.R_REMOTES + "origin/" + branch + "^{commit}");
    return remote != null ? remote : repo.resolve(Constants.R_HEADS + branch + "^{commit}");
  }

  /** Keeps {@code .loop/} out of commits through {@code .git/info/exclude}, so memory files and reports survive resets and cleans. */
  static void excludeLoopDir(Repository repo) throws IOException {
    Path exclude = repo.getDirectory().toPath().resolve("info").resolve("exclude");
    Files.createDirectories(exclude.getParent());
    // Only a file of one name is read: a hard link's content would land in the workspace.
    String current = WorkspaceFiles.isPlainFile(exclude) ? Files.readString(exclude) : "";
    if (!current.lines().anyMatch(".loop/"::equals) || !WorkspaceFiles.isPlainFile(exclude)) {
      WorkspaceFiles.replace(exclude, current + (current.isEmpty() || current.endsWith("\n") ? "" : "\n") + ".loop/\n");
    }
  }
}
