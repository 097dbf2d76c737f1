package dev.durableloops.api.temporal;

import dev.durableloops.workflows.LoopErrorType;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.client.ActivityCompletionClient;
import io.temporal.client.ActivityCompletionException;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps this worker process holds, kept on its disk so that when it dies and comes back (same
 * data directory, so the same worker id and host queue) it hands the steps its previous life held
 * back to Temporal at once, instead of leaving them to their heartbeat timeout (10 s, after which the
 * loop moves) or, for a step without heartbeats, their start-to-close timeout.
 *
 * <p>While an activity attempt runs, a file {@code <dataDir>/held-steps/<pid>-<start ms>-<n>} holds
 * its task token; the file is deleted when the attempt ends, however it ends. On start
 * ({@link #handBack}) every file whose process is gone (no live process with that pid and start time)
 * is failed by its token with {@link LoopErrorType#WORKER_RESTARTED}, a retryable type, and a next
 * retry delay of 1 ms, so Temporal schedules the step's next attempt at once (the retry policy's
 * attempts still count). The step's retry reconciles the workspace to the commit the workflow names,
 * as after a heartbeat timeout.
 *
 * <p>Why this is safe: a task token names one attempt of one activity, and Temporal refuses a
 * failure for an attempt that is no longer the running one ({@code ActivityTaskNotFound}); so a
 * worker can only fail the attempt its own dead process started, never one another worker (or a
 * later life) picked up since. A file of a process still alive (two processes sharing a data
 * directory) is left alone. Local activities have no task token and are not recorded.
 *
 * <p>Cost: one small file written and deleted per activity attempt (no fsync: a machine crash
 * loses the files and the steps fall back to their timeouts).
 */
final class HeldSteps extends WorkerInterceptorBase {

  private static final Logger log = LoggerFactory.getLogger(HeldSteps.class);

  /** The retry delay asked for a handed-back step: Temporal takes 0 for "use the retry policy". */
  static final Duration RETRY_AT_ONCE = Duration.ofMillis(1);

  private final Path dir;
  private final String life;
  private final AtomicLong sequence = new AtomicLong();

  /** Steps of the worker whose data directory is {@code dataDir}; the files live in {@code <dataDir>/held-steps}. */
  HeldSteps(Path dataDir) {
    this.dir = dataDir.toAbsolutePath().resolve("held-steps");
    ProcessHandle self = ProcessHandle.current();
    this.life = self.pid() + "-" + self.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    try {
      Files.createDirectories(dir);
      // A task token completes the step it names: only the worker's user may read one.
      if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the held steps in " + dir, e);
    }
  }

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      private ActivityInfo info;

      @Override
      public void init(ActivityExecutionContext context) {
        info = context.getInfo();
        super.init(context);
      }

      @Override
      public ActivityOutput execute(ActivityInput input) {
        Path held = info == null || info.isLocal() ? null : hold(info);
        try {
          return super.execute(input);
        } finally {
          if (held != null) {
            release(held);
          }
        }
      }
    };
  }

  private Path hold(ActivityInfo info) {
    Path file = dir.resolve(life + "-" + sequence.incrementAndGet());
    String text = Base64.getEncoder().encodeToString(info.getTaskToken()) + "\n" + info.getActivityType() + "\n"
        + info.getWorkflowId() + "\n" + info.getAttempt() + "\n";
    try {
      Files.writeString(file, text);
      return file;
    } catch (IOException e) {
      // Not fatal: the step still runs; only a crash during it would wait for its timeout.
      log.warn("cannot record the held step {} of {}: {}", info.getActivityType(), info.getWorkflowId(), e.toString());
      return null;
    }
  }

  private static void release(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("cannot delete {}: {}", file, e.toString());
    }
  }

  /** A step an earlier process left behind: its file and what the file says. */
  record Left(Path file, byte[] taskToken, String activityType, String workflowId, String attempt) {}

  /** The steps recorded by processes of this data directory that are no longer alive. */
  List<Left> leftByEarlierLives() {
    List<Left> left = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String[] name = file.getFileName().toString().split("-");
        if (name.length != 3 || alive(name[0], name[1])) {
          continue;
        }
        String[] lines = Files.readString(file).split("\n");
        if (lines.length < 4) {
          release(file); // written by a process that died while writing it
          continue;
        }
        left.add(new Left(file, Base64.getDecoder().decode(lines[0]), lines[1], lines[2], lines[3]));
      }
    } catch (IOException | IllegalArgumentException e) {
      log.warn("cannot read the held steps in {}: {}", dir, e.toString());
    }
    return left;
  }

  /**
   * Fails every step an earlier, dead process of this data directory held, so Temporal retries it
   * at once; a step whose attempt has ended or moved on meanwhile is refused by Temporal and
   * skipped. Deletes the files. Returns how many steps were handed back.
   */
  int handBack(ActivityCompletionClient completions) {
    int handedBack = 0;
    for (Left step : leftByEarlierLives()) {
      ApplicationFailure failure = ApplicationFailure.newBuilder().setType(LoopErrorType.WORKER_RESTARTED.name())
          .setMessage("the worker running this step died and has restarted; the step runs again from its start")
          .setNextRetryDelay(RETRY_AT_ONCE).build();
      try {
        completions.completeExceptionally(step.taskToken(), failure);
        handedBack++;
        log.info("handed back {} (attempt {}) of {}: the worker holding it had died", step.activityType(), step.attempt(),
            step.workflowId());
      } catch (ActivityCompletionException e) {
        // Ended, timed out or retried meanwhile (Temporal refused the stale attempt): nothing to hand back.
        log.info("{} (attempt {}) of {} was no longer held by this worker (ended, or its heartbeat timeout passed first)",
            step.activityType(), step.attempt(), step.workflowId());
      } catch (RuntimeException e) {
        // The server cannot be reached: the step falls back to its heartbeat timeout.
        log.warn("cannot hand back {} of {}: {}", step.activityType(), step.workflowId(), e.toString());
      }
      release(step.file());
    }
    return handedBack;
  }

  /** Whether the process {@code pid} that started at {@code startMillis} still runs. */
  private static boolean alive(String pid, String startMillis) {
    try {
      return ProcessHandle.of(Long.parseLong(pid))
          .filter(ProcessHandle::isAlive)
          .map(p -> p.info().startInstant().map(Instant::toEpochMilli).orElse(0L) == Long.parseLong(startMillis))
          .orElse(false);
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
