package dev.durableloops.activities;

import dev.durableloops.workflows.LoopErrorType;
import dev.durableloops.workflows.WorkspaceSpec;
import io.temporal.failure.ApplicationFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.diff.RawTextComparator;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * The loop's git workspace, with JGit. The workspace's HEAD is always detached: attempts are
 * committed on a detached HEAD, and only {@link #checkpoint} moves the work branch
 * {@code loops/<id>}. Every operation is idempotent; {@link #reconcile} makes the files match a
 * commit whatever state a crashed step left them in. {@code .loop/} is excluded from commits
 * through {@code .git/info/exclude}, so memory files and reports survive resets and cleans.
 */
public final class GitWorkspace {

  /** Author and committer of attempt commits (stamped with the time of each commit). */
  static final PersonIdent IDENT = new PersonIdent("durable-loops", "loops@durable-loops.invalid");

  private final LoopPaths paths;

  /**
   * @param paths the data directory layout
   */
  public GitWorkspace(LoopPaths paths) {
    this.paths = paths;
  }

  /** The directory of a loop's clone on this worker. */
  public Path workspaceDir(String loopId) {
    return paths.workspace(loopId);
  }

  /** The work branch of a loop: {@code loops/<loopId>}. */
  static String workBranch(String loopId) {
    return "loops/" + loopId;
  }

  /** The ref of an attempt: {@code refs/loops/<loopId>/attempts/<n>}. */
  static String attemptRef(String loopId, int iteration) {
    return "refs/loops/" + loopId + "/attempts/" + iteration;
  }

  /** The tag of a checkpoint: {@code loops/<loopId>/cp-<n>}. */
  static String checkpointTag(String loopId, int number) {
    return "loops/" + loopId + "/cp-" + number;
  }

  /** Prepared workspace facts. */
  record Prepared(Path dir, String baseCommit, String commit) {}

  /**
   * Clones the repository into the loop's workspace unless it is already there, creates the work
   * branch at the base branch's tip, and reconciles the files to {@code commit} (or the work
   * branch's tip when {@code null}).
   *
   * @throws ApplicationFailure {@code REPOSITORY_UNAVAILABLE} when the repository or branch cannot
   *     be cloned or found
   */
  Prepared prepare(String loopId, WorkspaceSpec spec, String commit) {
    Path dir = paths.workspace(loopId);
    if (!isCloned(dir, loopId)) {
      cloneInto(dir, spec);
    }
    try (Git git = Git.open(dir.toFile())) {
      Repository repo = git.getRepository();
      ObjectId base = baseTip(repo, spec.branch());
      if (base == null) {
        throw ApplicationFailure.newNonRetryableFailure(
            "branch '" + spec.branch() + "' has no commits in " + spec.repository(), LoopErrorType.REPOSITORY_UNAVAILABLE.name());
      }
      String branchRef = Constants.R_HEADS + workBranch(loopId);
      if (repo.exactRef(branchRef) == null) {
        setRef(repo, branchRef, base);
      }
      excludeLoopDir(repo);
      String target = commit != null ? commit : repo.exactRef(branchRef).getObjectId().name();
      reconcile(git, target);
      return new Prepared(dir, base.name(), target);
    } catch (IOException | GitAPIException e) {
      throw new IllegalStateException("cannot prepare workspace " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Makes the workspace's files and detached HEAD match {@code commit}: hard reset and clean. */
  void reconcile(String loopId, String commit) {
    try (Git git = open(loopId)) {
      reconcile(git, commit);
    } catch (IOException | GitAPIException e) {
      throw new IllegalStateException("cannot reset workspace of " + loopId + " to " + commit + ": " + e.getMessage(), e);
    }
  }

  private static void reconcile(Git git, String commit) throws IOException, GitAPIException {
    Repository repo = git.getRepository();
    ObjectId id = resolveCommit(repo, commit);
    if (id == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "commit " + commit + " is not in the workspace " + repo.getWorkTree(), LoopErrorType.WORKSPACE_BROKEN.name());
    }
    ObjectId head = repo.resolve(Constants.HEAD);
    if (repo.getFullBranch() != null && repo.getFullBranch().startsWith(Constants.R_HEADS) && head != null) {
      // Detach first, so the hard reset below can never move a branch.
      RefUpdate detach = repo.updateRef(Constants.HEAD, true);
      detach.setNewObjectId(head);
      detach.forceUpdate();
    }
    git.reset().setMode(ResetCommand.ResetType.HARD).setRef(id.name()).call();
    git.clean().setCleanDirectories(true).setForce(true).call();
  }

  /** An attempt commit with its diff against the checkpoint. */
  record Attempt(String commit, String ref, boolean changed, String diffHash, String diffStat) {}

  /**
   * Commits everything in the workspace (additions, changes, deletions; not ignored files) on top
   * of the detached HEAD as the attempt of {@code iteration}, and points the attempt ref at it.
   */
  Attempt commitAttempt(String loopId, int iteration, String baseCommit, String message) {
    try (Git git = open(loopId)) {
      // One pass in '--all' mode stages additions, changes and deletions alike.
      git.add().addFilepattern(".").setAll(true).call();
      PersonIdent now = new PersonIdent(IDENT, java.time.Instant.now());
      RevCommit commit = git.commit().setAllowEmpty(true).setAuthor(now).setCommitter(now).setMessage(message).call();
      String ref = attemptRef(loopId, iteration);
      setRef(git.getRepository(), ref, commit);
      Diff diff = diff(git.getRepository(), baseCommit, commit.name());
      return new Attempt(commit.name(), ref, !diff.text().isEmpty(), Hashes.sha256(diff.text()), diff.stat());
    } catch (IOException | GitAPIException e) {
      throw new IllegalStateException("cannot commit the attempt of iteration " + iteration + ": " + e.getMessage(), e);
    }
  }

  /**
   * Moves the work branch to {@code commit} and tags it {@code loops/<id>/cp-<n>}; refs only, the
   * files are left as they are. Re-running it
   * finds the tag in place and changes nothing; after a Temporal Reset the tag is moved to the
   * commit the workflow now names, because workflow state is the source of truth.
   */
  String checkpoint(String loopId, int number, String commit) {
    try (Git git = open(loopId)) {
      Repository repo = git.getRepository();
      ObjectId id = resolveCommit(repo, commit);
      if (id == null) {
        throw ApplicationFailure.newNonRetryableFailure(
            "attempt commit " + commit + " is not in the workspace", LoopErrorType.WORKSPACE_BROKEN.name());
      }
      String tag = checkpointTag(loopId, number);
      setRef(repo, Constants.R_TAGS + tag, id);
      setRef(repo, Constants.R_HEADS + workBranch(loopId), id);
      // No reconcile here: the files are the attempt's already, and every later workspace step
      // reconciles to the commit the workflow names first anyway.
      return tag;
    } catch (IOException e) {
      throw new IllegalStateException("cannot take checkpoint " + number + ": " + e.getMessage(), e);
    }
  }

  /**
   * Moves the work branch back to {@code commit} and reconciles the workspace to it. Tags and
   * attempt refs of later checkpoints stay, so their commits remain reachable for inspection.
   */
  void rollback(String loopId, String commit) {
    try (Git git = open(loopId)) {
      Repository repo = git.getRepository();
      ObjectId id = resolveCommit(repo, commit);
      if (id == null) {
        throw ApplicationFailure.newNonRetryableFailure(
            "checkpoint commit " + commit + " is not in the workspace", LoopErrorType.WORKSPACE_BROKEN.name());
      }
      reconcile(git, id.name());
      setRef(repo, Constants.R_HEADS + workBranch(loopId), id);
    } catch (IOException | GitAPIException e) {
      throw new IllegalStateException("cannot roll back to " + commit + ": " + e.getMessage(), e);
    }
  }

  /**
   * A unified diff and its stat line.
   *
   * @param text the unified diff, empty when the trees are equal
   * @param stat e.g. {@code 2 files changed, +10 -3}
   */
  public record Diff(String text, String stat) {}

  /**
   * The unified diff between two commits of a loop's workspace.
   *
   * @throws IllegalArgumentException when the workspace or a commit does not exist
   */
  public Diff diff(String loopId, String from, String to) {
    if (!Files.isDirectory(paths.workspace(loopId).resolve(".git"))) {
      throw new IllegalArgumentException("loop " + loopId + " has no workspace on this worker");
    }
    try (Git git = open(loopId)) {
      return diff(git.getRepository(), from, to);
    } catch (IOException e) {
      throw new IllegalStateException("cannot diff " + from + ".." + to + ": " + e.getMessage(), e);
    }
  }

  private static Diff diff(Repository repo, String from, String to) throws IOException {
    ObjectId a = repo.resolve(from + "^{tree}");
    ObjectId b = repo.resolve(to + "^{tree}");
    if (a == null || b == null) {
      throw new IllegalArgumentException("unknown commit " + (a == null ? from : to));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int files = 0;
    int added = 0;
    int removed = 0;
    try (RevWalk walk = new RevWalk(repo);
        DiffFormatter formatter = new DiffFormatter(out)) {
      formatter.setRepository(repo);
      formatter.setDiffComparator(RawTextComparator.DEFAULT);
      List<DiffEntry> entries = formatter.scan(walk.parseTree(a), walk.parseTree(b));
      for (DiffEntry entry : entries) {
        files++;
        for (Edit edit : formatter.toFileHeader(entry).toEditList()) {
          added += edit.getLengthB();
          removed += edit.getLengthA();
        }
      }
      formatter.format(entries);
    }
    String stat = files + (files == 1 ? " file" : " files") + " changed, +" + added + " -" + removed;
    return new Diff(out.toString(StandardCharsets.UTF_8), stat);
  }

  /**
   * The first parent of a commit of a loop's workspace.
   *
   * @throws IllegalStateException when the commit is not there or has no parent
   */
  public String firstParentOf(String loopId, String commit) {
    String parent = firstParent(loopId, commit);
    if (parent == null) {
      throw new IllegalStateException(commit + " has no parent");
    }
    return parent;
  }

  /** The first parent of {@code commit}, or {@code null} for a root commit. */
  String firstParent(String loopId, String commit) {
    try (Git git = open(loopId);
        RevWalk walk = new RevWalk(git.getRepository())) {
      RevCommit c = walk.parseCommit(git.getRepository().resolve(commit + "^{commit}"));
      return c.getParentCount() == 0 ? null : c.getParent(0).name();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read commit " + commit + ": " + e.getMessage(), e);
    }
  }

  private Git open(String loopId) throws IOException {
    return Git.open(paths.workspace(loopId).toFile());
  }

  /** Written into {@code .git} once a clone is complete; a clone without it is half made. */
  static final String CLONED_MARKER = "durable-loops-cloned";

  /** A complete clone: marked so, or already carrying the loop's work branch (made after a clone). */
  private static boolean isCloned(Path dir, String loopId) {
    if (Files.exists(dir.resolve(".git").resolve(CLONED_MARKER))) {
      return true;
    }
    if (!Files.isDirectory(dir.resolve(".git"))) {
      return false;
    }
    try (Git git = Git.open(dir.toFile())) {
      return git.getRepository().exactRef(Constants.R_HEADS + workBranch(loopId)) != null;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static void cloneInto(Path dir, WorkspaceSpec spec) {
    // A clone a crashed worker left half made is thrown away and made again. Cloning happens in
    // place: JGit may still be collecting garbage in the background after the clone returns, so the
    // directory must not be moved.
    deleteTree(dir);
    try {
      Files.createDirectories(dir.getParent());
      var clone = Git.cloneRepository().setURI(spec.repository()).setDirectory(dir.toFile());
      if (spec.branch() != null && !spec.branch().isBlank() && !spec.branch().startsWith("refs/")) {
        clone.setBranch(spec.branch());
      }
      try (Git ignored = clone.call()) {
        Files.writeString(dir.resolve(".git").resolve(CLONED_MARKER), spec.repository() + "\n");
      }
    } catch (GitAPIException | RuntimeException e) {
      deleteTree(dir);
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          "cannot clone " + spec.repository() + ": " + e.getMessage(), LoopErrorType.REPOSITORY_UNAVAILABLE.name(), e);
    } catch (IOException e) {
      deleteTree(dir);
      throw new IllegalStateException("cannot create workspace " + dir + ": " + e.getMessage(), e);
    }
  }

  private static ObjectId baseTip(Repository repo, String branch) throws IOException {
    if (branch != null && branch.startsWith("refs/")) {
      // A full ref such as a checkpoint tag (forks start from one); fetched when the clone lacks it.
      ObjectId direct = resolveCommit(repo, branch);
      if (direct == null) {
        try (Git git = new Git(repo)) {
          git.fetch().setRemote("origin").setRefSpecs(new org.eclipse.jgit.transport.RefSpec("+" + branch + ":" + branch)).call();
        } catch (GitAPIException e) {
          return null;
        }
        direct = resolveCommit(repo, branch);
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

  /** The commit {@code name} names, or {@code null} when the repository does not have it. */
  private static ObjectId resolveCommit(Repository repo, String name) throws IOException {
    try {
      return name == null ? null : repo.resolve(name + "^{commit}");
    } catch (org.eclipse.jgit.errors.MissingObjectException | org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
      return null;
    }
  }

  private static void setRef(Repository repo, String name, ObjectId id) throws IOException {
    RefUpdate update = repo.updateRef(name);
    update.setNewObjectId(id);
    update.setForceUpdate(true);
    RefUpdate.Result result = update.update();
    if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED
        && result != RefUpdate.Result.FAST_FORWARD && result != RefUpdate.Result.NO_CHANGE) {
      throw new IOException("updating " + name + " to " + id.name() + " gave " + result);
    }
  }

  private static void excludeLoopDir(Repository repo) throws IOException {
    Path exclude = repo.getDirectory().toPath().resolve("info").resolve("exclude");
    Files.createDirectories(exclude.getParent());
    String current = Files.exists(exclude) ? Files.readString(exclude) : "";
    if (!current.lines().anyMatch(".loop/"::equals)) {
      Files.writeString(exclude, current + (current.isEmpty() || current.endsWith("\n") ? "" : "\n") + ".loop/\n");
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a leftover temporary directory is harmless and named as such.
    }
  }
}
