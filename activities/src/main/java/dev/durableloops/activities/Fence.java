package dev.durableloops.activities;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInfo;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Only the current run writes. Every activity that touches a loop's workspace first
 * {@linkplain #claim claims} it: its owner token (workflow run id, activity id, attempt) is written
 * to {@code <loop dir>/owner} and, for a git store on a path, to {@code <store>/fences/<loop>}, and
 * whatever processes the loop still runs (an abandoned run's maker, an earlier attempt's checks) are
 * killed. Every later write of that activity — reconciling the files, committing an attempt, moving
 * the work branch, pushing to the git store or the loop's repository, recording a log — goes through
 * {@link Lease#write}, which checks under a lock that the token is still the owner and holds the
 * lock while it writes. An activity of an abandoned run (Temporal's Reset, termination,
 * cancellation, continue-as-new) or an attempt a retry has replaced therefore fails with
 * {@code SUPERSEDED} instead of writing: a fence checked before every write, not a race won by
 * timing.
 *
 * <p>Why the last claim wins: Temporal gives a newer run or attempt its activity task only after the
 * older one is closed or timed out, so claims arrive in the order of ownership. The locks are a
 * {@link ReentrantLock} per file inside the JVM and an OS file lock ({@code FileChannel.lock}) across
 * processes on the machine. A store given as a URL has no fence of its own: there the workspace
 * fence and worker affinity (one machine holds a loop's workspace) keep abandoned writes out.
 */
final class Fence {

  private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private final LoopPaths paths;
  private final Path storeFences;

  /**
   * @param paths the data directory layout
   * @param storeDir the git store's directory when it is a path, or {@code null}
   */
  Fence(LoopPaths paths, Path storeDir) {
    this.paths = paths;
    this.storeFences = storeDir == null ? null : storeDir.resolve("fences");
  }

  /**
   * The owner token of the activity running on this thread: {@code <run id>/<activity id>#<attempt>};
   * outside an activity (a direct call) a token of its own, so the call owns what it claims.
   */
  static String currentToken() {
    try {
      ActivityInfo info = Activity.getExecutionContext().getInfo();
      return info.getRunId() + "/" + info.getActivityId() + "#" + info.getAttempt();
    } catch (IllegalStateException | NullPointerException e) {
      return "direct/" + UUID.randomUUID();
    }
  }

  /**
   * Makes the running activity the owner of the loop's workspace and store refs.
   *
   * @param loopId the loop
   * @param takeOver run under the lock after the token is written: kills what the previous owner
   *     left running
   */
  Lease claim(String loopId, Runnable takeOver) {
    String token = currentToken();
    Lease lease = new Lease(loopId, token);
    lease.locked(() -> {
      write(lease.ownerFile(), token);
      if (lease.storeFile() != null) {
        write(lease.storeFile(), token);
      }
      takeOver.run();
      return null;
    });
    return lease;
  }

  /** One activity's claim on one loop's workspace. */
  final class Lease {
    private final String loopId;
    private final String token;

    private Lease(String loopId, String token) {
      this.loopId = loopId;
      this.token = token;
    }

    /** The loop. */
    String loopId() {
      return loopId;
    }

    /**
     * Runs {@code action} if this lease still owns the loop, holding the locks while it runs.
     *
     * @param what the write, for the message
     * @throws StepException {@code SUPERSEDED} naming the owner when a newer run or attempt took over
     */
    <T> T write(String what, Supplier<T> action) {
      return locked(() -> {
        check(ownerFile(), "workspace", what);
        if (storeFile() != null) {
          check(storeFile(), "git store refs", what);
        }
        return action.get();
      });
    }

    /** {@link #write(String, Supplier)} for an action without a result. */
    void write(String what, Runnable action) {
      write(what, () -> {
        action.run();
        return null;
      });
    }

    private void check(Path file, String of, String what) {
      String owner = read(file);
      if (owner != null && !owner.equals(token)) {
        throw new StepException(StepException.Kind.SUPERSEDED,
            "not written (" + what + "): " + token + " no longer owns the " + of + " of loop " + loopId + "; " + owner
                + " took it over (a Temporal Reset, a new run or a retried attempt)");
      }
    }

    private Path ownerFile() {
      return paths.loopDir(loopId).resolve("owner");
    }

    private Path storeFile() {
      // An attempt's fence file sits beside its loop's: the loop's own name is a file there.
      return storeFences == null ? null : storeFences.resolve(dev.durableloops.workflows.LoopIds.storeName(loopId.replace('/', '~')));
    }

    private <T> T locked(Supplier<T> action) {
      List<Path> files = new ArrayList<>(List.of(ownerFile()));
      if (storeFile() != null) {
        files.add(storeFile());
      }
      return lockAll(files, 0, action);
    }
  }

  /** Holds the JVM and file locks of {@code files[from..]} in order, then runs {@code action}. */
  private static <T> T lockAll(List<Path> files, int from, Supplier<T> action) {
    if (from == files.size()) {
      return action.get();
    }
    Path lockFile = files.get(from).resolveSibling(files.get(from).getFileName() + ".lock");
    ReentrantLock jvmLock = LOCKS.computeIfAbsent(lockFile, f -> new ReentrantLock());
    jvmLock.lock();
    try {
      Files.createDirectories(lockFile.getParent());
      try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = channel.lock()) {
        return lockAll(files, from + 1, action);
      }
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot lock " + lockFile + ": " + e.getMessage(), e);
    } finally {
      jvmLock.unlock();
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : null;
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static void write(Path file, String token) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
