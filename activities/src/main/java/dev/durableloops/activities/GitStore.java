package dev.durableloops.activities;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.lib.Repository;

/**
 * The git store: the bare repository every attempt and checkpoint is pushed to before the activity
 * that made it completes, so any worker can rebuild a loop's workspace and the API can read diffs
 * and logs without a worker's disk. Named by {@code durable-loops.git-store}: a path on storage the
 * workers share, or any URL JGit can push to; the default is {@code <data>/store.git}, created on
 * first use.
 *
 * <p>Per loop the store holds {@code refs/heads/loops/<id>} (the work branch),
 * {@code refs/loops/<id>/attempts/<n>}, {@code refs/tags/loops/<id>/cp-<n>} and
 * {@code refs/loops/<id>/logs/<workspace>} (trees of step logs, one file per step). A store that
 * cannot be reached raises {@link StepException.Kind#STORE_UNAVAILABLE}, which the activity
 * boundary reports as retryable: a step never completes with a checkpoint that exists on one disk
 * only.
 *
 * <p>One configured store, three jobs behind it: reaching it ({@link StoreTransport}: push, fetch,
 * open), its step logs ({@link StoreLogs}) and its diffs ({@link StoreDiffs}). Thread-safe; one
 * instance serves a whole process.
 */
public final class GitStore {

  private final StoreTransport transport;
  private final StoreLogs logs;
  private final StoreDiffs diffs;

  /**
   * @param uri a path or a URL JGit can push to
   * @param cacheDir where a reader keeps a bare copy of a remote store (unused for a local one)
   */
  public GitStore(String uri, Path cacheDir) {
    this.transport = new StoreTransport(uri, cacheDir);
    this.logs = new StoreLogs(transport);
    this.diffs = new StoreDiffs(transport);
  }

  /** The default store of a data directory: {@code <data>/store.git}, read through {@code <data>/store-cache.git}. */
  public static GitStore under(Path dataDir) {
    Path data = dataDir.toAbsolutePath().normalize();
    return new GitStore(data.resolve("store.git").toString(), data.resolve("store-cache.git"));
  }

  /** Where the store is, as configured: a path or a URL. */
  public String uri() {
    return transport.uri();
  }

  /** The store's directory when it is a path, {@code null} when it is a URL. */
  Path localDir() {
    return transport.localDir();
  }

  /** Pushes {@code refs} of {@code repo} to the store, forced ({@link StoreTransport#push}). */
  void push(Repository repo, String... refs) {
    transport.push(repo, refs);
  }

  /** Fetches one loop's refs from the store into {@code repo} ({@link StoreTransport#fetch}). */
  void fetch(Repository repo, String loopId) {
    transport.fetch(repo, loopId);
  }

  /** Records a step log of the workspace {@code repo} in the store ({@link StoreLogs#record}). */
  void recordLog(Repository repo, String loopId, String name, Path file) throws IOException {
    logs.record(repo, loopId, name, file);
  }

  /** Records several step logs of the workspace {@code repo} in one commit and one push ({@link StoreLogs#record}). */
  void recordLogs(Repository repo, String loopId, java.util.Map<String, Path> files) throws IOException {
    logs.record(repo, loopId, files);
  }

  /**
   * The diff between two commits of a loop, read from the store (through a local bare copy when the
   * store is remote).
   *
   * @throws StepException {@code COMMIT_MISSING} when the store has not got a commit,
   *     {@code STORE_UNAVAILABLE} when it cannot be read
   */
  public Diffs.Diff diff(String loopId, String from, String to) {
    return diffs.between(loopId, from, to);
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
    return diffs.withParent(loopId, ref);
  }

  /**
   * The names of a loop's step logs in the store, e.g. {@code iter-0003-make.log}, in order.
   *
   * @throws StepException {@code STORE_UNAVAILABLE} when the store cannot be read
   */
  public List<String> logs(String loopId) {
    return logs.names(loopId);
  }

  /**
   * One step log of a loop from the store (its last MiB at most).
   *
   * @throws StepException {@code COMMIT_MISSING} when the store has no such log,
   *     {@code STORE_UNAVAILABLE} when it cannot be read
   */
  public byte[] log(String loopId, String name) {
    return logs.read(loopId, name);
  }
}
