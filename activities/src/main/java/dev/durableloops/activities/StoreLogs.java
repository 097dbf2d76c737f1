package dev.durableloops.activities;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
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
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * The loops' step logs in the git store, so the API can serve them from any machine after the
 * worker that ran the step is gone. Each workspace (a worker's clone) appends to its own ref,
 * {@code refs/loops/<id>/logs/<workspace>}, a commit whose tree holds one file per step (its last
 * {@value #MAX_LOG_BYTES} bytes): no worker ever has to fetch another's logs before writing, and
 * readers take the union.
 */
final class StoreLogs {

  /** Bytes of a step log kept in the store at most: its end. */
  static final int MAX_LOG_BYTES = 1 << 20;

  /** A workspace id of the worker's own form: 8 hex digits. */
  private static final Pattern WORKSPACE_ID = Pattern.compile("[0-9a-f]{8}");

  private final StoreTransport transport;

  StoreLogs(StoreTransport transport) {
    this.transport = transport;
  }

  /** The ref whose tree holds the step logs one workspace recorded for a loop. */
  static String logsRef(String loopId, String workspaceId) {
    return logsPrefix(loopId) + workspaceId;
  }

  private static String logsPrefix(String loopId) {
    return "refs/loops/" + loopId + "/logs/";
  }

  /**
   * Adds the step log {@code file} (its last {@value #MAX_LOG_BYTES} bytes; empty when it does not
   * exist) as the file {@code name} of the loop's logs ref of the workspace {@code repo}, a commit on
   * top of the previous logs, and pushes that ref to the store.
   *
   * @param repo the workspace repository the objects are written to before the push
   * @throws IOException when the log cannot be read
   * @throws StepException {@code STORE_UNAVAILABLE} when the store cannot be reached
   */
  void record(Repository repo, String loopId, String name, Path file) throws IOException {
    record(repo, loopId, Map.of(name, file));
  }

  /**
   * {@link #record(Repository, String, String, Path)} for several logs of one step (a command's log
   * and its stdout kept apart): one commit holding them all and one push, by name.
   *
   * @param files the logs by name; must not be empty
   */
  void record(Repository repo, String loopId, Map<String, Path> files) throws IOException {
    SortedMap<String, byte[]> contents = new TreeMap<>();
    for (Map.Entry<String, Path> file : files.entrySet()) {
      contents.put(file.getKey(), Files.exists(file.getValue()) ? readTail(file.getValue()) : new byte[0]);
    }
    push(repo, loopId, workspaceId(repo), contents);
  }

  private void push(Repository repo, String loopId, String workspaceId, SortedMap<String, byte[]> contents) {
    String ref = logsRef(loopId, workspaceId);
    String name = String.join(" ", contents.keySet());
    try (ObjectInserter inserter = repo.newObjectInserter();
        ObjectReader reader = repo.newObjectReader();
        RevWalk walk = new RevWalk(reader)) {
      ObjectId parent = repo.resolve(ref);
      DirCache index = parent == null ? DirCache.newInCore() : DirCache.read(reader, walk.parseCommit(parent).getTree());
      DirCacheEditor editor = index.editor();
      for (Map.Entry<String, byte[]> content : contents.entrySet()) {
        byte[] all = content.getValue();
        byte[] tail = all.length <= MAX_LOG_BYTES ? all : Arrays.copyOfRange(all, all.length - MAX_LOG_BYTES, all.length);
        ObjectId blob = inserter.insert(Constants.OBJ_BLOB, tail);
        editor.add(new DirCacheEditor.PathEdit(content.getKey()) {
          @Override
          public void apply(DirCacheEntry entry) {
            entry.setFileMode(FileMode.REGULAR_FILE);
            entry.setObjectId(blob);
            entry.setLength(tail.length);
          }
        });
      }
      editor.finish();
      CommitBuilder commit = new CommitBuilder();
      commit.setTreeId(index.writeTree(inserter));
      if (parent != null) {
        commit.setParentId(parent);
      }
      PersonIdent now = new PersonIdent(GitWorkspace.IDENT, Instant.now());
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
    transport.push(repo, ref);
  }

  /**
   * The names of a loop's step logs in the store, e.g. {@code iter-0003-make.log}, in order.
   *
   * @throws StepException {@code STORE_UNAVAILABLE} when the store cannot be read
   */
  List<String> names(String loopId) {
    try (Repository repo = transport.reader(loopId); RevWalk walk = new RevWalk(repo)) {
      return new ArrayList<>(newest(repo, walk, loopId).keySet());
    } catch (IOException e) {
      throw transport.unreadable(e);
    }
  }

  /**
   * One step log of a loop from the store (its last {@value #MAX_LOG_BYTES} bytes).
   *
   * @throws StepException {@code COMMIT_MISSING} when the store has no such log,
   *     {@code STORE_UNAVAILABLE} when it cannot be read
   */
  byte[] read(String loopId, String name) {
    try (Repository repo = transport.reader(loopId); RevWalk walk = new RevWalk(repo)) {
      ObjectId blob = newest(repo, walk, loopId).get(name);
      if (blob == null) {
        throw new StepException(StepException.Kind.COMMIT_MISSING, "the git store has no log " + name + " of loop " + loopId);
      }
      return repo.open(blob).getBytes();
    } catch (IOException e) {
      throw transport.unreadable(e);
    }
  }

  /**
   * Every log file of a loop by name, as the blob to read: the union of the logs refs of every
   * workspace, the newer commit's file where two have one. Names and ids only; no log is read.
   */
  private static SortedMap<String, ObjectId> newest(Repository repo, RevWalk walk, String loopId) throws IOException {
    SortedMap<String, ObjectId> files = new TreeMap<>();
    Map<String, Integer> times = new HashMap<>();
    for (var ref : repo.getRefDatabase().getRefsByPrefix(logsPrefix(loopId))) {
      RevCommit commit = walk.parseCommit(ref.getObjectId());
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
    String id = UUID.randomUUID().toString().substring(0, 8);
    WorkspaceFiles.replace(file, id + "\n");
    return id;
  }

  private static byte[] readTail(Path file) throws IOException {
    try (var channel = FileChannel.open(file)) {
      long size = channel.size();
      long from = Math.max(0, size - MAX_LOG_BYTES);
      ByteBuffer buffer = ByteBuffer.allocate((int) (size - from));
      while (buffer.hasRemaining() && channel.read(buffer, from + buffer.position()) > 0) {
        // Read until the buffer is full.
      }
      return buffer.array();
    }
  }
}
