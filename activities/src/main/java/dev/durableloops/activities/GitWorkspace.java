package dev.durableloops.activities;

import dev.durableloops.workflows.spec.WorkspaceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;

/**
 * The loop's git workspace on this worker: refs, commits, diffs and the store with JGit, the walks of
 * the work tree (staging everything, hard reset, clean) with the git command line
 * ({@link GitCommandLine}, the worker's own index). The workspace's HEAD is always detached:
 * attempts are committed on a detached HEAD, and only {@link #checkpoint} and {@link #rollback} move
 * the work branch {@code loops/<id>}. Every operation is idempotent; {@link #reconcile} makes the
 * files match a commit whatever state a crashed step left them in, fetching the commit from the
 * {@link GitStore} when this worker has not got it (a moved loop, a fork). Every ref an operation
 * makes is pushed to the store before it returns. {@code .loop/} is excluded from commits through
 * {@code .git/info/exclude}, so memory files and reports survive resets and cleans.
 *
 * <p>Every repository is opened through {@link TrustedGit}: no hook, setting or command from the
 * workspace's {@code .git} is run, and a {@code .git} a step redirected or filled with links fails the
 * step with {@code UNSAFE_WORKSPACE} instead of being used.
 *
 * <p>Making, opening and repairing the clone itself is {@link WorkspaceClones}' job.
 *
 * <p>Public for measuring the git work of an iteration apart from the rest ({@code bench}'s
 * {@code GitBench}): {@link #prepare}, {@link #commitAttempt}, {@link #checkpoint} and
 * {@link #reconcile}. Called directly, they do not claim the loop's fence ({@code Fence}) as the
 * activities do around them: the caller must be the only one working on the loop's workspace.
 *
 * <p>Failures are {@link StepException}s with a kind; nothing here knows of Temporal.
 */
public final class GitWorkspace {

  /** Author and committer of attempt commits (stamped with the time of each commit). */
  static final PersonIdent IDENT = new PersonIdent("durable-loops", "loops@durable-loops.invalid");

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(GitWorkspace.class);

  private final LoopPaths paths;
  private final GitStore store;
  private final WorkspaceClones clones;

  /**
   * @param paths the data directory layout
   * @param store where every attempt and checkpoint is pushed
   */
  public GitWorkspace(LoopPaths paths, GitStore store) {
    this.paths = paths;
    this.store = store;
    this.clones = new WorkspaceClones(paths, store);
  }

  /** A workspace with the default store of the data directory ({@link GitStore#under}). */
  public GitWorkspace(LoopPaths paths) {
    this(paths, GitStore.under(paths.dataDir()));
  }

  /**
   * A prepared workspace.
   *
   * @param dir the loop's workspace directory (the clone's work tree)
   * @param baseCommit the tip of the spec's base branch in the clone
   * @param commit the commit the workspace was reconciled to
   */
  public record Prepared(Path dir, String baseCommit, String commit) {}

  /**
   * Clones the repository into the loop's workspace unless it is already there, creates the work
   * branch (at {@code commit}, or at the base branch's tip for a new loop), reconciles the files to
   * {@code commit} (or the work branch's tip when {@code null}) and pushes the work branch to the
   * store.
   *
   * @param forkOf the loop a fork starts from, whose refs in the store hold {@code commit}; or
   *     {@code null}
   * @throws StepException {@code REPOSITORY_UNAVAILABLE} when the repository or branch cannot
   *     be cloned or found, {@code COMMIT_MISSING} when {@code commit} is nowhere
   */
  public Prepared prepare(String loopId, WorkspaceSpec spec, String commit, String forkOf) {
    return prepare(loopId, spec, commit, forkOf, false);
  }

  /**
   * {@link #prepare(String, WorkspaceSpec, String, String)}, where {@code share} makes a new clone
   * borrow the objects of the worker's mirror of the repository ({@link SharedClones}) instead of
   * holding its own: for a fan-out's children, so K children on one worker hold one copy of the
   * repository's objects. A workspace already on this worker stays as it was made.
   *
   * @throws StepException as the other {@code prepare} says
   */
  public Prepared prepare(String loopId, WorkspaceSpec spec, String commit, String forkOf, boolean share) {
    Path dir = paths.workspace(loopId);
    clones.ensure(loopId, spec, share);
    try (Git git = TrustedGit.open(dir, spec.repository())) {
      Repository repo = git.getRepository();
      ObjectId base = WorkspaceClones.baseTip(repo, spec.branch());
      if (base == null) {
        throw new StepException(StepException.Kind.REPOSITORY_UNAVAILABLE,
            "branch '" + spec.branch() + "' has no commits in " + spec.repository());
      }
      if (commit != null && forkOf != null && Diffs.resolveCommit(repo, commit) == null) {
        store.fetch(repo, forkOf);
      }
      String branchRef = Constants.R_HEADS + LoopRefs.workBranch(loopId);
      if (repo.exactRef(branchRef) == null) {
        LoopRefs.setRef(repo, branchRef, commit == null ? base : require(repo, loopId, commit));
      }
      WorkspaceClones.excludeLoopDir(repo);
      String target = commit != null ? commit : repo.exactRef(branchRef).getObjectId().name();
      reconcile(git, loopId, target);
      store.push(repo, branchRef);
      return new Prepared(dir, base.name(), target);
    } catch (IOException | GitAPIException e) {
      throw new StepException(StepException.Kind.IO, "cannot prepare workspace " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Makes the workspace's files and detached HEAD match {@code commit}: hard reset and clean. The
   * first write of every step, so it is also where a damaged workspace is repaired
   * ({@link WorkspaceClones#open}) and stale git locks are removed.
   *
   * @throws StepException {@code COMMIT_MISSING} when neither the workspace nor the store has
   *     {@code commit}, {@code IO} when the files cannot be reset
   */
  public void reconcile(String loopId, String commit) {
    WorkspaceClones.removeStaleLocks(paths.workspace(loopId));
    try (Git git = clones.open(loopId)) {
      reconcile(git, loopId, commit);
    } catch (IOException | GitAPIException e) {
      throw new StepException(StepException.Kind.IO,
          "cannot reset workspace of " + loopId + " to " + commit + ": " + e.getMessage(), e);
    }
  }

  private void reconcile(Git git, String loopId, String commit) throws IOException, GitAPIException {
    Repository repo = git.getRepository();
    ObjectId id = require(repo, loopId, commit);
    // HEAD detached at the commit first, so the hard reset below can never move a branch.
    LoopRefs.pointHead(repo, id, "reconcile: moving to " + id.name());
    Path dir = repo.getWorkTree().toPath();
    // The command line walks the work tree from the worker's index's stat cache (GitCommandLine).
    GitCommandLine.resetHard(dir, id);
    GitCommandLine.clean(dir);
    GitCommandLine.publishIndex(dir);
  }

  /**
   * The commit {@code commit}, fetched from the store when this workspace has not got it.
   *
   * @throws StepException {@code COMMIT_MISSING} naming the commit when the store has not got
   *     it either
   */
  private ObjectId require(Repository repo, String loopId, String commit) throws IOException {
    ObjectId id = Diffs.resolveCommit(repo, commit);
    if (id == null) {
      store.fetch(repo, loopId);
      id = Diffs.resolveCommit(repo, commit);
    }
    if (id == null) {
      throw new StepException(StepException.Kind.COMMIT_MISSING,
          "commit " + commit + " of loop " + loopId + " is neither in the workspace " + repo.getWorkTree()
              + " nor in the git store " + store.uri());
    }
    return id;
  }

  /**
   * An attempt commit with its diff against the checkpoint it started from.
   *
   * @param commit the attempt's commit id (40 hex digits)
   * @param ref the attempt ref pointing at it, {@code refs/loops/<id>/attempts/<n>}
   * @param changed whether the diff is not empty
   * @param diffHash SHA-256 (hex) of the unified diff's text
   * @param diffStat files and lines changed, e.g. {@code 2 files changed, +10 -3}
   */
  public record Attempt(String commit, String ref, boolean changed, String diffHash, String diffStat) {}

  /**
   * Commits everything in the workspace (additions, changes, deletions; not ignored files) on top
   * of the detached HEAD as the attempt of {@code iteration}, points the attempt ref at it and
   * pushes that ref to the store.
   *
   * @param baseCommit the checkpoint the attempt started from, which its diff is taken against
   * @param message the commit message
   * @throws StepException {@code UNSAFE_WORKSPACE} when a step left a {@code .git} the worker does
   *     not trust, {@code STORE_UNAVAILABLE} when the push fails, {@code IO} otherwise
   */
  public Attempt commitAttempt(String loopId, int iteration, String baseCommit, String message) {
    TrustedGit.checkAll(paths.workspace(loopId));
    try (Git git = clones.open(loopId)) {
      Repository repo = git.getRepository();
      // The maker may have pointed HEAD at a branch (the work branch, say): the attempt moves none.
      ObjectId base = Diffs.resolveCommit(repo, baseCommit);
      detachHead(repo, base);
      if (base != null && resolvesNoCommit(repo)) {
        // A HEAD the maker made no commit id (git would not take the directory for a repository).
        LoopRefs.pointHead(repo, base, "attempt: HEAD named no commit");
      }
      stageAll(git);
      ObjectId tree = GitCommandLine.writeTree(repo.getWorkTree().toPath());
      ObjectId commit = commit(repo, tree, message);
      String ref = LoopRefs.attemptRef(loopId, iteration);
      LoopRefs.setRef(git.getRepository(), ref, commit);
      Diffs.Diff diff = Diffs.between(git.getRepository(), baseCommit, commit.name());
      store.push(git.getRepository(), ref);
      return new Attempt(commit.name(), ref, !diff.text().isEmpty(), Hashes.sha256(diff.text()), diff.stat());
    } catch (IOException | GitAPIException e) {
      throw new StepException(StepException.Kind.IO,
          "cannot commit the attempt of iteration " + iteration + ": " + e.getMessage(), e);
    }
  }

  /**
   * Moves the work branch to {@code commit}, tags it {@code loops/<id>/cp-<n>} and pushes both to
   * the store; refs only, the files are left as they are. Re-running it finds the tag in place and
   * changes nothing; after a Temporal Reset the tag is moved to the commit the workflow now names,
   * because workflow state is the source of truth.
   *
   * @return the checkpoint's tag, {@code loops/<id>/cp-<number>}
   * @throws StepException {@code COMMIT_MISSING} when {@code commit} is nowhere,
   *     {@code STORE_UNAVAILABLE} when the push fails
   */
  public String checkpoint(String loopId, int number, String commit) {
    try (Git git = clones.open(loopId)) {
      Repository repo = git.getRepository();
      ObjectId id = require(repo, loopId, commit);
      String tag = LoopRefs.checkpointTag(loopId, number);
      LoopRefs.setRef(repo, Constants.R_TAGS + tag, id);
      LoopRefs.setRef(repo, Constants.R_HEADS + LoopRefs.workBranch(loopId), id);
      store.push(repo, Constants.R_TAGS + tag, Constants.R_HEADS + LoopRefs.workBranch(loopId));
      // No reconcile here: the files are the attempt's already, and every later workspace step
      // reconciles to the commit the workflow names first anyway.
      return tag;
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot take checkpoint " + number + ": " + e.getMessage(), e);
    }
  }

  /**
   * Moves the work branch back to {@code commit}, reconciles the workspace to it and pushes the
   * branch to the store. Tags and attempt refs of later checkpoints stay, so their commits remain
   * reachable for inspection.
   */
  void rollback(String loopId, String commit) {
    try (Git git = clones.open(loopId)) {
      Repository repo = git.getRepository();
      ObjectId id = require(repo, loopId, commit);
      reconcile(git, loopId, id.name());
      LoopRefs.setRef(repo, Constants.R_HEADS + LoopRefs.workBranch(loopId), id);
      store.push(repo, Constants.R_HEADS + LoopRefs.workBranch(loopId));
    } catch (IOException | GitAPIException e) {
      throw new StepException(StepException.Kind.IO, "cannot roll back to " + commit + ": " + e.getMessage(), e);
    }
  }

  /**
   * Records a step's log in the git store ({@link StoreLogs#record}), so the API can serve it from
   * any machine.
   *
   * @param name the log's file name, e.g. {@code iter-0003-make.log}
   */
  void recordLog(String loopId, String name, Path file) {
    recordLogs(loopId, java.util.Map.of(name, file));
  }

  /**
   * Records several logs of one step in the git store in one commit and one push (each push to the
   * store costs a step ~15–20 ms: BENCHMARKS.md, "Where a step's time goes").
   *
   * @param files the logs by file name, e.g. {@code iter-0003-discover.log}; must not be empty
   */
  void recordLogs(String loopId, java.util.Map<String, Path> files) {
    try (Git git = clones.open(loopId)) {
      store.recordLogs(git.getRepository(), loopId, files);
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot read logs " + files.values() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The unified diff between two commits of a loop's workspace on this worker.
   *
   * @throws StepException {@code COMMIT_MISSING} when the workspace or a commit does not exist
   */
  Diffs.Diff diff(String loopId, String from, String to) {
    if (!Files.exists(paths.workspace(loopId).resolve(".git"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new StepException(StepException.Kind.COMMIT_MISSING, "loop " + loopId + " has no workspace on this worker");
    }
    try (Git git = clones.open(loopId)) {
      return Diffs.between(git.getRepository(), from, to);
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot diff " + from + ".." + to + ": " + e.getMessage(), e);
    }
  }

  /** The first parent of {@code commit}, or {@code null} for a root commit or one this workspace lacks. */
  String firstParent(String loopId, String commit) {
    try (Git git = clones.open(loopId)) {
      return Diffs.firstParent(git.getRepository(), commit);
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot read commit " + commit + ": " + e.getMessage(), e);
    }
  }

  /**
   * A bare repository of the worker's own under the loop's directory that borrows the workspace's
   * objects: what {@code Deliver} pushes from ({@link TrustedGit#deliveryRepository}).
   */
  Path deliveryRepository(String loopId) {
    return TrustedGit.deliveryRepository(paths.workspace(loopId), paths.loopDir(loopId).resolve("deliver.git"));
  }

  /**
   * Stages every addition, change and deletion in the worker's index: with the command line, or with
   * JGit when git fails — as it does, by design, when a step checked out a submodule (git would run
   * {@code git status} in it, under that repository's config: {@link GitCommandLine}).
   */
  private static void stageAll(Git git) throws GitAPIException {
    Path dir = git.getRepository().getWorkTree().toPath();
    GitCommandLine.Result added = GitCommandLine.addAll(dir);
    if (!added.ok()) {
      log.info("git add in {} failed (exit {}), staging with JGit: {}", dir, added.exit(), added.output().strip());
      // One pass in '--all' mode stages additions, changes and deletions alike.
      git.add().addFilepattern(".").setAll(true).call();
    }
  }

  /**
   * A commit of {@code tree} on top of HEAD (none for an unborn HEAD) by {@link #IDENT} now, with
   * {@code message} as it is; HEAD (detached) moves to it. No hook runs: the commit is written as
   * an object ({@code git commit-tree}'s job), never through a porcelain commit.
   */
  private static ObjectId commit(Repository repo, ObjectId tree, String message) throws IOException {
    PersonIdent now = new PersonIdent(IDENT, java.time.Instant.now());
    CommitBuilder builder = new CommitBuilder();
    builder.setTreeId(tree);
    ObjectId parent = repo.resolve(Constants.HEAD + "^{commit}");
    if (parent != null) {
      builder.setParentId(parent);
    }
    builder.setAuthor(now);
    builder.setCommitter(now);
    builder.setMessage(message);
    ObjectId id;
    try (ObjectInserter inserter = repo.newObjectInserter()) {
      id = inserter.insert(builder);
      inserter.flush();
    }
    LoopRefs.pointHead(repo, id, "commit: " + message.lines().findFirst().orElse(""));
    return id;
  }

  private static boolean resolvesNoCommit(Repository repo) {
    try {
      return repo.resolve(Constants.HEAD + "^{commit}") == null;
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  /**
   * Makes HEAD a plain commit id (where it points now, or {@code fallback} when that is no commit)
   * if it is a symbolic ref: a commit or reset on a symbolic HEAD writes the ref it names.
   */
  private static void detachHead(Repository repo, ObjectId fallback) throws IOException {
    var head = repo.exactRef(Constants.HEAD);
    if (head == null || !head.isSymbolic()) {
      return;
    }
    ObjectId at = head.getObjectId() != null ? head.getObjectId() : fallback;
    if (at == null) {
      return;
    }
    // Checked like every HEAD update (a HEAD.lock the step left fails it here, naming the result).
    LoopRefs.pointHead(repo, at, "attempt: HEAD detached from " + head.getTarget().getName());
  }
}
