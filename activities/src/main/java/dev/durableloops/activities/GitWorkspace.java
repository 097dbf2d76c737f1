package dev.durableloops.activities;

import dev.durableloops.workflows.spec.WorkspaceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.RefSpec;

/**
 * The loop's git workspace on this worker, with JGit. The workspace's HEAD is always detached:
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
 * <p>Failures are {@link StepException}s with a kind; nothing here knows of Temporal.
 */
public final class GitWorkspace {

  /** Author and committer of attempt commits (stamped with the time of each commit). */
  static final PersonIdent IDENT = new PersonIdent("durable-loops", "loops@durable-loops.invalid");

  /** Written into {@code .git} once a clone is complete; a clone without it is half made. */
  static final String CLONED_MARKER = "durable-loops-cloned";

  /** Beside the workspace: the repository and branch it was cloned from, to rebuild it if damaged. */
  static final String ORIGIN_FILE = "origin";

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(GitWorkspace.class);

  private final LoopPaths paths;
  private final GitStore store;

  /**
   * @param paths the data directory layout
   * @param store where every attempt and checkpoint is pushed
   */
  public GitWorkspace(LoopPaths paths, GitStore store) {
    this.paths = paths;
    this.store = store;
  }

  /** A workspace with the default store of the data directory ({@link GitStore#under}). */
  public GitWorkspace(LoopPaths paths) {
    this(paths, GitStore.under(paths.dataDir()));
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
   * branch (at {@code commit}, or at the base branch's tip for a new loop), reconciles the files to
   * {@code commit} (or the work branch's tip when {@code null}) and pushes the work branch to the
   * store.
   *
   * @param forkOf the loop a fork starts from, whose refs in the store hold {@code commit}; or
   *     {@code null}
   * @throws StepException {@code REPOSITORY_UNAVAILABLE} when the repository or branch cannot
   *     be cloned or found, {@code COMMIT_MISSING} when {@code commit} is nowhere
   */
  Prepared prepare(String loopId, WorkspaceSpec spec, String commit, String forkOf) {
    Path dir = paths.workspace(loopId);
    if (!isCloned(dir, loopId, spec.repository())) {
      cloneInto(dir, spec);
    }
    rememberOrigin(loopId, spec);
    removeStaleLocks(dir);
    try (Git git = TrustedGit.open(dir, spec.repository())) {
      Repository repo = git.getRepository();
      ObjectId base = baseTip(repo, spec.branch());
      if (base == null) {
        throw new StepException(StepException.Kind.REPOSITORY_UNAVAILABLE,
            "branch '" + spec.branch() + "' has no commits in " + spec.repository());
      }
      if (commit != null && forkOf != null && Diffs.resolveCommit(repo, commit) == null) {
        store.fetch(repo, forkOf);
      }
      String branchRef = Constants.R_HEADS + workBranch(loopId);
      if (repo.exactRef(branchRef) == null) {
        setRef(repo, branchRef, commit == null ? base : require(repo, loopId, commit));
      }
      excludeLoopDir(repo);
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
   * first write of every step, so it is also where a damaged workspace is repaired ({@link #open})
   * and stale git locks are removed.
   */
  void reconcile(String loopId, String commit) {
    removeStaleLocks(paths.workspace(loopId));
    try (Git git = open(loopId)) {
      reconcile(git, loopId, commit);
    } catch (IOException | GitAPIException e) {
      throw new StepException(StepException.Kind.IO,
          "cannot reset workspace of " + loopId + " to " + commit + ": " + e.getMessage(), e);
    }
  }

  private void reconcile(Git git, String loopId, String commit) throws IOException, GitAPIException {
    Repository repo = git.getRepository();
    ObjectId id = require(repo, loopId, commit);
    // Detach first, so the hard reset below can never move a branch.
    detachHead(repo, id);
    git.reset().setMode(ResetCommand.ResetType.HARD).setRef(id.name()).call();
    git.clean().setCleanDirectories(true).setForce(true).call();
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

  /** An attempt commit with its diff against the checkpoint. */
  record Attempt(String commit, String ref, boolean changed, String diffHash, String diffStat) {}

  /**
   * Commits everything in the workspace (additions, changes, deletions; not ignored files) on top
   * of the detached HEAD as the attempt of {@code iteration}, points the attempt ref at it and
   * pushes that ref to the store.
   */
  Attempt commitAttempt(String loopId, int iteration, String baseCommit, String message) {
    TrustedGit.checkAll(paths.workspace(loopId));
    try (Git git = open(loopId)) {
      // The maker may have pointed HEAD at a branch (the work branch, say): the attempt moves none.
      detachHead(git.getRepository(), Diffs.resolveCommit(git.getRepository(), baseCommit));
      // One pass in '--all' mode stages additions, changes and deletions alike.
      git.add().addFilepattern(".").setAll(true).call();
      PersonIdent now = new PersonIdent(IDENT, java.time.Instant.now());
      RevCommit commit = git.commit().setAllowEmpty(true).setAuthor(now).setCommitter(now).setMessage(message).call();
      String ref = attemptRef(loopId, iteration);
      setRef(git.getRepository(), ref, commit);
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
   */
  String checkpoint(String loopId, int number, String commit) {
    try (Git git = open(loopId)) {
      Repository repo = git.getRepository();
      ObjectId id = require(repo, loopId, commit);
      String tag = checkpointTag(loopId, number);
      setRef(repo, Constants.R_TAGS + tag, id);
      setRef(repo, Constants.R_HEADS + workBranch(loopId), id);
      store.push(repo, Constants.R_TAGS + tag, Constants.R_HEADS + workBranch(loopId));
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
    try (Git git = open(loopId)) {
      Repository repo = git.getRepository();
      ObjectId id = require(repo, loopId, commit);
      reconcile(git, loopId, id.name());
      setRef(repo, Constants.R_HEADS + workBranch(loopId), id);
      store.push(repo, Constants.R_HEADS + workBranch(loopId));
    } catch (IOException | GitAPIException e) {
      throw new StepException(StepException.Kind.IO, "cannot roll back to " + commit + ": " + e.getMessage(), e);
    }
  }

  /**
   * Records a step's log in the git store ({@link GitStore#pushLog}), so the API can serve it from
   * any machine.
   *
   * @param name the log's file name, e.g. {@code iter-0003-make.log}
   */
  void recordLog(String loopId, String name, Path file) {
    try (Git git = open(loopId)) {
      store.pushLog(git.getRepository(), loopId, workspaceId(git.getRepository()), name, Files.exists(file) ? readTail(file) : new byte[0]);
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot read log " + file + ": " + e.getMessage(), e);
    }
  }

  /** This clone's id (made once, kept in {@code .git}), naming the logs ref it writes. */
  private static String workspaceId(Repository repo) throws IOException {
    Path file = repo.getDirectory().toPath().resolve("durable-loops-workspace-id");
    // The file is in .git, where a step may write: only an id of the worker's own form is used (a
    // link to a secret would otherwise name a ref in the store), anything else is replaced.
    if (WorkspaceFiles.isPlainFile(file)) {
      String id = Files.readString(file).strip();
      if (WORKSPACE_ID.matcher(id).matches()) {
        return id;
      }
    }
    String id = java.util.UUID.randomUUID().toString().substring(0, 8);
    WorkspaceFiles.replace(file, id + "\n");
    return id;
  }

  private static final java.util.regex.Pattern WORKSPACE_ID = java.util.regex.Pattern.compile("[0-9a-f]{8}");

  private static byte[] readTail(Path file) throws IOException {
    try (var channel = java.nio.channels.FileChannel.open(file)) {
      long size = channel.size();
      long from = Math.max(0, size - GitStore.MAX_LOG_BYTES);
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) (size - from));
      while (buffer.hasRemaining() && channel.read(buffer, from + buffer.position()) > 0) {
        // Read until the buffer is full.
      }
      return buffer.array();
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
    try (Git git = open(loopId)) {
      return Diffs.between(git.getRepository(), from, to);
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot diff " + from + ".." + to + ": " + e.getMessage(), e);
    }
  }

  /** The first parent of {@code commit}, or {@code null} for a root commit or one this workspace lacks. */
  String firstParent(String loopId, String commit) {
    try (Git git = open(loopId)) {
      return Diffs.firstParent(git.getRepository(), commit);
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot read commit " + commit + ": " + e.getMessage(), e);
    }
  }

  /**
   * The loop's workspace repository, repaired first when it is damaged: a workspace whose
   * {@code .git} is gone or cannot be opened is cloned again
   * from the loop's repository ({@link #ORIGIN_FILE}) with the loop's refs fetched from the git store,
   * so the caller can reconcile it to any commit the store holds. Only the fence's owner repairs (here and in
   * {@link #reconcile}, which removes stale locks), after every process of the loop was killed.
   *
   * @throws StepException {@code COMMIT_MISSING} when the loop never had a workspace on this worker
   */
  private Git open(String loopId) throws IOException {
    Path dir = paths.workspace(loopId);
    if (TrustedGit.hasGitDirectory(dir)) {
      try {
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

  /**
   * A bare repository of the worker's own under the loop's directory that borrows the workspace's
   * objects: what {@code Deliver} pushes from ({@link TrustedGit#deliveryRepository}).
   */
  Path deliveryRepository(String loopId) {
    return TrustedGit.deliveryRepository(paths.workspace(loopId), paths.loopDir(loopId).resolve("deliver.git"));
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
    log.warn("the workspace of loop {} is damaged (no usable .git in {}); cloning {} again and fetching the loop from the git store",
        loopId, dir, spec.repository());
    cloneInto(dir, spec);
    try (Git git = TrustedGit.open(dir, spec.repository())) {
      Repository repo = git.getRepository();
      store.fetch(repo, loopId);
      ObjectId branch = repo.resolve("refs/remotes/store/loops/" + loopId);
      if (branch != null) {
        setRef(repo, Constants.R_HEADS + workBranch(loopId), branch);
      }
      excludeLoopDir(repo);
    }
  }

  /**
   * Removes the lock files git leaves when a process holding them is killed; only in a {@code .git}
   * that is a directory, never through a link to another repository, whose locks may be live.
   */
  private static void removeStaleLocks(Path dir) {
    if (!TrustedGit.hasGitDirectory(dir)) {
      return;
    }
    Path gitDir = dir.resolve(".git");
    List<Path> locks = new java.util.ArrayList<>();
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
        Files.deleteIfExists(lock);
        log.warn("removed the stale lock {}", lock);
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
    TrustedGit.distrust(dir);
    try {
      Files.createDirectories(dir.getParent());
      var clone = Git.cloneRepository().setFs(TrustedGit.FS).setURI(spec.repository()).setDirectory(dir.toFile());
      if (spec.branch() != null && !spec.branch().isBlank() && !spec.branch().startsWith("refs/")) {
        clone.setBranch(spec.branch());
      }
      try (Git ignored = clone.call()) {
        Files.writeString(dir.resolve(".git").resolve(CLONED_MARKER), spec.repository() + "\n");
      }
    } catch (GitAPIException | RuntimeException e) {
      deleteTree(dir);
      throw new StepException(StepException.Kind.REPOSITORY_UNAVAILABLE,
          "cannot clone " + spec.repository() + ": " + e.getMessage(), e);
    } catch (IOException e) {
      deleteTree(dir);
      throw new StepException(StepException.Kind.IO, "cannot create workspace " + dir + ": " + e.getMessage(), e);
    }
  }

  private static ObjectId baseTip(Repository repo, String branch) throws IOException {
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
    RefUpdate detach = repo.updateRef(Constants.HEAD, true);
    detach.setNewObjectId(at);
    detach.forceUpdate();
  }

  /** Points {@code name} at {@code id}, replacing it if a step made it a symbolic ref (never writing the ref it names). */
  private static void setRef(Repository repo, String name, ObjectId id) throws IOException {
    RefUpdate update = repo.updateRef(name, true);
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
    // Only a file of one name is read: a hard link's content would land in the workspace.
    String current = WorkspaceFiles.isPlainFile(exclude) ? Files.readString(exclude) : "";
    if (!current.lines().anyMatch(".loop/"::equals) || !WorkspaceFiles.isPlainFile(exclude)) {
      WorkspaceFiles.replace(exclude, current + (current.isEmpty() || current.endsWith("\n") ? "" : "\n") + ".loop/\n");
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
