package dev.durableloops.activities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;

/**
 * How the worker and the API reach the git store: refs pushed to it and fetched from it, and the
 * repository a reader opens. A store on a path is created on first use and opened once per process;
 * a store given as a URL is reached with git's protocols, read through a local bare copy.
 *
 * <p>Pushes and fetches are tried {@value #ATTEMPTS} times before they fail. Pushes are forced and
 * so idempotent: a retried activity finds its ref already there ({@code UP_TO_DATE}). A store that
 * cannot be reached raises {@link StepException.Kind#STORE_UNAVAILABLE}, which the activity
 * boundary reports as retryable.
 */
final class StoreTransport {

  /** Attempts of a push or fetch before it counts as failed; transient lock races pass on a retry. */
  static final int ATTEMPTS = 3;

  private static final Pattern URL = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://.*|^[^/]+@[^/]+:.*");

  private final String uri;
  private final Path localDir;
  private final Path cacheDir;
  private Repository shared;

  /**
   * @param uri a path or a URL JGit can push to
   * @param cacheDir where a reader keeps a bare copy of a remote store (unused for a local one)
   */
  StoreTransport(String uri, Path cacheDir) {
    this.uri = uri;
    this.localDir = URL.matcher(uri).matches() ? null : Path.of(uri).toAbsolutePath().normalize();
    this.cacheDir = cacheDir;
  }

  /** The store as configured: a path or a URL. */
  String uri() {
    return uri;
  }

  /** The store's directory when it is a path, {@code null} when it is a URL. */
  Path localDir() {
    return localDir;
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

  /**
   * The repository to read a loop's objects from, for one try-with-resources: the shared local
   * store (its use count raised, so the caller's close does not close it), or the cache of a remote
   * store after fetching the loop's refs.
   */
  Repository reader(String loopId) throws IOException {
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

  /** A {@code STORE_UNAVAILABLE} failure for a read of the store that failed with {@code e}. */
  StepException unreadable(IOException e) {
    return new StepException(StepException.Kind.STORE_UNAVAILABLE, "cannot read the git store " + uri + ": " + e.getMessage(), e);
  }

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
   * A push to a store on a path: the objects the store lacks are copied into it
   * ({@link ObjectCopy}), then its refs are set. Git's push protocol would advertise every ref of
   * the store and build a pack per push — work that grows with the store (measured: at 1,000
   * concurrent loops on 2 cores it starved the worker into heartbeat timeouts); this costs only what
   * the push adds.
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
        ObjectCopy.commits(walk, source, inserter, target, local.getObjectId());
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

  private void fetchOnce(Repository repo, String loopId) {
    try (Git git = new Git(repo)) {
      git.fetch().setRemote(uri).setRefSpecs(loopRefs(loopId)).setRemoveDeletedRefs(false).call();
    } catch (GitAPIException | RuntimeException e) {
      throw new StepException(StepException.Kind.STORE_UNAVAILABLE,
          "cannot fetch loop " + loopId + " from the git store " + uri + ": " + e.getMessage(), e);
    }
  }

  /** The local store, opened once and shared by every push of this process (JGit repositories are thread-safe). */
  private synchronized Repository local() throws IOException {
    if (shared == null) {
      shared = new FileRepositoryBuilder().setGitDir(localDir.toFile()).setMustExist(true).build();
    }
    return shared;
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
