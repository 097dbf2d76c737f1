package dev.durableloops.activities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;

/**
 * The git store: the bare repository every attempt and checkpoint is pushed to before the activity
 * that made it completes, so any worker can rebuild a loop's workspace and the API can read diffs
 * without a worker's disk. Named by {@code durable-loops.git-store}: a path on storage the workers
 * share, or any URL JGit can push to; the default is {@code <data>/store.git}, created on first use.
 *
 * <p>Per loop the store holds {@code refs/heads/loops/<id>} (the work branch),
 * {@code refs/loops/<id>/attempts/<n>}, {@code refs/tags/loops/<id>/cp-<n>} and
 * {@code refs/loops/<id>/logs/<workspace>} (trees of step logs, one file per step). Pushes and
 * fetches are tried {@value #ATTEMPTS} times before they fail. Pushes are forced
 * and so idempotent: a retried activity finds its ref already there ({@code UP_TO_DATE}). A store
 * that cannot be reached raises {@link StepException.Kind#STORE_UNAVAILABLE}, which the
 * activity boundary reports as retryable: a step never completes with a checkpoint that exists on
 * one disk only.
 */
public final class GitStore {

  private static final Pattern URL = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://.*|^[^/]+@[^/]+:.*");

  private final String uri;
  private final Path localDir;
  private final Path cacheDir;

  /**
   * @param uri a path or a URL JGit can push to
   * @param cacheDir where a reader keeps a bare copy of a remote store (unused for a local one)
   */
  public GitStore(String uri, Path cacheDir) {
    this.uri = uri;
    this.localDir = URL.matcher(uri).matches() ? null : Path.of(uri).toAbsolutePath().normalize();
    this.cacheDir = cacheDir;
  }

  /** The default store of a data directory: {@code <data>/store.git}. */
  public static GitStore under(Path dataDir) {
    Path data = dataDir.toAbsolutePath().normalize();
    return new GitStore(data.resolve("store.git").toString(), data.resolve("store-cache.git"));
  }

  /** Where the store is, as configured. */
  /** The store's directory when it is a path, {@code null} when it is a URL. */
  Path localDir() {
    return localDir;
  }

  public String uri() {
    return uri;
  }

  /** The refspecs of one loop's refs, store to workspace (the work branch is not fetched). */
  static List<RefSpec> loopRefs(String loopId) {
    return List.of(
        new RefSpec("+refs/loops/" + loopId + "/*:refs/loops/" + loopId + "/*"),
        new RefSpec("+refs/tags/loops/" + loopId + "/*:refs/tags/loops/" + loopId + "/*"),
        new RefSpec("+refs/heads/loops/" + loopId + ":refs/remotes/store/loops/" + loopId));
  }

  /**
   * Pushes {@code refs} (full names) of {@code repo} to the same names in the store, forced.
   *
   * @throws StepException {@code STORE_UNAVAILABLE} when the store cannot be reached or refuses
   */
  void push(Repository repo, String... refs) {
    retrying(() -> pushOnce(repo, refs));
  }

  /** Attempts of a push or fetch before it counts as failed; transient lock races pass on a retry. */
  static final int ATTEMPTS = 3;

  private static void retrying(Runnable operation) {
    for (int attempt = 1; ; attempt++) {
      try {
        operation.run();
        return;
      } catch (StepException e) {
        if (attempt >= ATTEMPTS || e.kind() != StepException.Kind.STORE_UNAVAILABLE) {
          throw e;
        }
        try {
          Thread.sleep(50L * attempt * attempt);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private void pushOnce(Repository repo, String... refs) {
    createIfLocal();
    if (localDir != null) {
      pushLocal(repo, refs);
      return;
    }
    List<RefSpec> specs = new ArrayList<>();
    for (String ref : refs) {
      specs.add(new RefSpec("+" + ref + ":" + ref));
    }
    try (Git git = new Git(repo)) {
      for (PushResult result : git.push().setRemote(uri).setRefSpecs(specs).setAtomic(false).call()) {
        for (RemoteRefUpdate update : result.getRemoteUpdates()) {
          RemoteRefUpdate.Status status = update.getStatus();
          if (status != RemoteRefUpdate.Status.OK && status != RemoteRefUpdate.Status.UP_TO_DATE) {
            throw new StepException(StepException.Kind.STORE_UNAVAILABLE,
                "the git store " + uri + " refused " + update.getRemoteName() + ": " + status
                    + (update.getMessage() == null ? "" : " (" + update.getMessage() + ")"));
          }
        }
      }
    } catch (GitAPIException | RuntimeException e) {
      if (e instanceof StepException we) {
        throw we;
      }
      throw new StepException(StepException.Kind.STORE_UNAVAILABLE,
          "cannot push " + String.join(", ", refs) + " to the git store " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * A push to a store on a path: the objects the store lacks are copied into it, then its refs are
   * set. Git's push protocol would advertise every ref of the store and build a pack per push —
   * work that grows with the store (measured: at 1,000 concurrent loops on 2 cores it starved the
   * worker into heartbeat timeouts); this costs only what the push adds.
   */
  private void pushLocal(Repository repo, String... refs) {
    try (ObjectReader source = repo.newObjectReader();
        RevWalk walk = new RevWalk(source);
        ObjectInserter inserter = local().newObjectInserter()) {
      Repository target = local();
      List<ObjectId> tips = new ArrayList<>();
      for (String ref : refs) {
        var local = repo.exactRef(ref);
        if (local == null) {
          throw new StepException(StepException.Kind.IO, "cannot push " + ref + ": the workspace has no such ref");
        }
        tips.add(local.getObjectId());
        copyCommits(walk, source, inserter, target, local.getObjectId());
      }
      inserter.flush();
      for (int i = 0; i < refs.length; i++) {
        RefUpdate update = target.updateRef(refs[i]);
        update.setNewObjectId(tips.get(i));
        update.setForceUpdate(true);
        RefUpdate.Result result = update.update();
        if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED && result != RefUpdate.Result.NO_CHANGE
            && result != RefUpdate.Result.FAST_FORWARD) {
          throw new StepException(StepException.Kind.STORE_UNAVAILABLE, "the git store " + uri + " refused " + refs[i] + ": " + result);
        }
      }
    } catch (IOException e) {
      throw new StepException(StepException.Kind.STORE_UNAVAILABLE,
          "cannot push " + String.join(", ", refs) + " to the git store " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Copies {@code tip} and every commit, tree and blob it reaches that the store lacks. */
  private static void copyCommits(RevWalk walk, ObjectReader source, ObjectInserter inserter, Repository target, ObjectId tip)
      throws IOException {
    java.util.ArrayDeque<ObjectId> todo = new java.util.ArrayDeque<>(List.of(tip));
    java.util.Set<ObjectId> seen = new java.util.HashSet<>();
    while (!todo.isEmpty()) {
      ObjectId id = todo.pop();
      if (!seen.add(id) || target.getObjectDatabase().has(id)) {
        continue;
      }
      org.eclipse.jgit.revwalk.RevCommit commit = walk.parseCommit(id);
      copyTree(source, inserter, target, commit.getTree());
      for (org.eclipse.jgit.revwalk.RevCommit parent : commit.getParents()) {
        todo.push(parent);
      }
      copyObject(source, inserter, commit, Constants.OBJ_COMMIT);
    }
  }

  private static void copyTree(ObjectReader source, ObjectInserter inserter, Repository target, ObjectId tree) throws IOException {
    if (target.getObjectDatabase().has(tree)) {
      return;
    }
    try (TreeWalk entries = new TreeWalk(source)) {
      entries.addTree(tree);
      while (entries.next()) {
        ObjectId id = entries.getObjectId(0);
        int mode = entries.getRawMode(0) & FileMode.TYPE_MASK;
        if (mode == FileMode.TYPE_TREE) {
          copyTree(source, inserter, target, id);
        } else if (mode != FileMode.TYPE_GITLINK && !target.getObjectDatabase().has(id)) {
          copyObject(source, inserter, id, Constants.OBJ_BLOB);
        }
      }
    }
    copyObject(source, inserter, tree, Constants.OBJ_TREE);
  }

  private static void copyObject(ObjectReader source, ObjectInserter inserter, ObjectId id, int type) throws IOException {
    var loader = source.open(id, type);
    try (var in = loader.openStream()) {
      inserter.insert(type, loader.getSize(), in);
    }
  }

  private Repository shared;

  /** The local store, opened once and shared by every push of this process (JGit repositories are thread-safe). */
  private synchronized Repository local() throws IOException {
    if (shared == null) {
      shared = new FileRepositoryBuilder().setGitDir(localDir.toFile()).setMustExist(true).build();
    }
    return shared;
  }

  /**
   * Fetches one loop's refs (and the commits they reach) from the store into {@code repo}. A store
   * that has nothing of the loop yet is not an error.
   *
   * @throws StepException {@code STORE_UNAVAILABLE} when the store cannot be reached
   */
  void fetch(Repository repo, String loopId) {
    if (localDir != null && !Files.isDirectory(localDir)) {
      return;
    }
    retrying(() -> fetchOnce(repo, loopId));
  }

  private void fetchOnce(Repository repo, String loopId) {
    try (Git git = new Git(repo)) {
      git.fetch().setRemote(uri).setRefSpecs(loopRefs(loopId)).setRemoveDeletedRefs(false).call();
    } catch (GitAPIException | RuntimeException e) {
      throw new StepException(StepException.Kind.STORE_UNAVAILABLE,
          "cannot fetch loop " + loopId + " from the git store " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * The diff between two commits of a loop, read from the store (through a local bare copy when the
   * store is remote).
   *
   * @throws StepException {@code COMMIT_MISSING} when the store has not got a commit,
   *     {@code STORE_UNAVAILABLE} when it cannot be read
   */
  public Diffs.Diff diff(String loopId, String from, String to) {
    try (Repository repo = reader(loopId)) {
      return Diffs.between(repo, from, to);
    } catch (IOException e) {
      throw new StepException(StepException.Kind.STORE_UNAVAILABLE, "cannot read the git store " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * The diff of the commit {@code ref} names against its first parent (for an attempt or a
   * checkpoint: the checkpoint it started from), read from the store.
   *
   * @param ref a full ref name, e.g. {@code refs/tags/loops/<id>/cp-2}
   * @throws StepException {@code COMMIT_MISSING} when the store has not got the ref,
   *     {@code STORE_UNAVAILABLE} when it cannot be read
   */
  public Diffs.Diff diffWithParent(String loopId, String ref) {
    try (Repository repo = reader(loopId)) {
      ObjectId id = Diffs.resolveCommit(repo, ref);
      String parent = id == null ? null : Diffs.firstParent(repo, id.name());
      if (parent == null) {
        throw new StepException(StepException.Kind.COMMIT_MISSING, "the git store has no " + ref);
      }
      return Diffs.between(repo, parent, id.name());
    } catch (IOException e) {
      throw new StepException(StepException.Kind.STORE_UNAVAILABLE, "cannot read the git store " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Bytes of a step log kept in the store at most: its end. */
  static final int MAX_LOG_BYTES = 1 << 20;

  /**
   * The ref whose tree holds the step logs one workspace recorded for a loop, one file per step.
   * Each workspace (a worker's clone) appends to its own ref, so no worker ever has to fetch the
   * logs of another before writing; readers take the union.
   */
  static String logsRef(String loopId, String workspaceId) {
    return logsPrefix(loopId) + workspaceId;
  }

  private static String logsPrefix(String loopId) {
    return "refs/loops/" + loopId + "/logs/";
  }

  /**
   * Adds a step log (its last {@value #MAX_LOG_BYTES} bytes) as the file {@code name} of the
   * loop's logs ref, a commit on top of the previous logs, and pushes that ref to the store, so any
   * machine can read it after the worker that ran the step is gone.
   *
   * @param repo the workspace repository the objects are written to before the push
   * @throws StepException {@code STORE_UNAVAILABLE} when the store cannot be reached
   */
  void pushLog(Repository repo, String loopId, String workspaceId, String name, byte[] content) {
    String ref = logsRef(loopId, workspaceId);
    byte[] tail = content.length <= MAX_LOG_BYTES ? content
        : java.util.Arrays.copyOfRange(content, content.length - MAX_LOG_BYTES, content.length);
    try (ObjectInserter inserter = repo.newObjectInserter();
        ObjectReader reader = repo.newObjectReader();
        RevWalk walk = new RevWalk(reader)) {
      ObjectId parent = repo.resolve(ref);
      DirCache index = parent == null ? DirCache.newInCore() : DirCache.read(reader, walk.parseCommit(parent).getTree());
      ObjectId blob = inserter.insert(Constants.OBJ_BLOB, tail);
      DirCacheEditor editor = index.editor();
      editor.add(new DirCacheEditor.PathEdit(name) {
        @Override
        public void apply(DirCacheEntry entry) {
          entry.setFileMode(FileMode.REGULAR_FILE);
          entry.setObjectId(blob);
          entry.setLength(tail.length);
        }
      });
      editor.finish();
      CommitBuilder commit = new CommitBuilder();
      commit.setTreeId(index.writeTree(inserter));
      if (parent != null) {
        commit.setParentId(parent);
      }
      PersonIdent now = new PersonIdent(GitWorkspace.IDENT, java.time.Instant.now());
      commit.setAuthor(now);
      commit.setCommitter(now);
      // The loop and workspace in the message keep every log commit unique: two pushes of the same
      // objects would race for the same pack file in the store.
      commit.setMessage(loopId + " " + name + "\n\nworkspace " + workspaceId + "\n");
      ObjectId id = inserter.insert(commit);
      inserter.flush();
      RefUpdate update = repo.updateRef(ref);
      update.setNewObjectId(id);
      update.setForceUpdate(true);
      update.update();
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot record log " + name + " of loop " + loopId + ": " + e.getMessage(), e);
    }
    push(repo, ref);
  }

  /**
   * The names of a loop's step logs in the store, e.g. {@code iter-0003-make.log}, in order.
   *
   * @throws StepException {@code STORE_UNAVAILABLE} when the store cannot be read
   */
  public java.util.List<String> logs(String loopId) {
    try (Repository repo = reader(loopId); RevWalk walk = new RevWalk(repo)) {
      return new ArrayList<>(newestLogs(repo, walk, loopId).keySet());
    } catch (IOException e) {
      throw new StepException(StepException.Kind.STORE_UNAVAILABLE, "cannot read the git store " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * One step log of a loop from the store (its last {@value #MAX_LOG_BYTES} bytes).
   *
   * @throws StepException {@code COMMIT_MISSING} when the store has no such log,
   *     {@code STORE_UNAVAILABLE} when it cannot be read
   */
  public byte[] log(String loopId, String name) {
    try (Repository repo = reader(loopId); RevWalk walk = new RevWalk(repo)) {
      ObjectId blob = newestLogs(repo, walk, loopId).get(name);
      if (blob == null) {
        throw new StepException(StepException.Kind.COMMIT_MISSING, "the git store has no log " + name + " of loop " + loopId);
      }
      return repo.open(blob).getBytes();
    } catch (IOException e) {
      throw new StepException(StepException.Kind.STORE_UNAVAILABLE, "cannot read the git store " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every log file of a loop by name, as the blob to read: the union of the logs refs of every
   * workspace, the newer commit's file where two have one. Names and ids only; no log is read.
   */
  private static java.util.SortedMap<String, ObjectId> newestLogs(Repository repo, RevWalk walk, String loopId) throws IOException {
    java.util.SortedMap<String, ObjectId> files = new java.util.TreeMap<>();
    java.util.Map<String, Integer> times = new java.util.HashMap<>();
    for (var ref : repo.getRefDatabase().getRefsByPrefix(logsPrefix(loopId))) {
      var commit = walk.parseCommit(ref.getObjectId());
      try (TreeWalk tree = new TreeWalk(repo)) {
        tree.addTree(commit.getTree());
        while (tree.next()) {
          String name = tree.getPathString();
          if (times.getOrDefault(name, Integer.MIN_VALUE) <= commit.getCommitTime()) {
            times.put(name, commit.getCommitTime());
            files.put(name, tree.getObjectId(0));
          }
        }
      }
    }
    return files;
  }

  /**
   * The repository to read a loop's objects from, for one try-with-resources: the shared local
   * store (its use count raised, so the caller's close does not close it), or the cache of a remote
   * store after fetching the loop's refs.
   */
  private Repository reader(String loopId) throws IOException {
    if (localDir != null) {
      createIfLocal();
      Repository repo = local();
      repo.incrementOpen();
      return repo;
    }
    Repository cache = bareAt(cacheDir);
    fetch(cache, loopId);
    return cache;
  }

  private void createIfLocal() {
    if (localDir == null || Files.isDirectory(localDir.resolve("objects"))) {
      return;
    }
    try (Repository ignored = bareAt(localDir)) {
      // Created; closing it is all that is left.
    } catch (IOException e) {
      throw new StepException(StepException.Kind.STORE_UNAVAILABLE, "cannot create the git store " + localDir + ": " + e.getMessage(), e);
    }
  }

  private static synchronized Repository bareAt(Path dir) throws IOException {
    if (Files.isDirectory(dir.resolve("objects"))) {
      return new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build();
    }
    try {
      Files.createDirectories(dir.getParent());
      return Git.init().setBare(true).setDirectory(dir.toFile()).call().getRepository();
    } catch (GitAPIException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}
