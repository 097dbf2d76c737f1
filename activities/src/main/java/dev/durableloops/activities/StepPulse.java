package dev.durableloops.activities;

import dev.durableloops.workflows.steps.StepOutput;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a step's heartbeats coming while it runs, not only while its command runs: a step with a
 * heartbeat timeout (the command steps, {@code Steps.HEARTBEAT_TIMEOUT}) also waits for its
 * workspace's lock, reconciles, waits for the sandbox runtime to wrap its command (one wrap at a
 * time per runtime process), commits and pushes; on a busy worker any of these can take longer than
 * the heartbeat timeout, and Temporal then retried a step whose worker was alive (seen at 1,000 loops
 * on 2 cores: 21 loops failed with six heartbeat timeouts of a no-op check, BENCHMARKS.md). While
 * such a step runs, a ticker heartbeats for it every {@link #EVERY} when nothing else did, with the
 * details of its last heartbeat ({@link StepOutput}; a "working" one before the first), so what the
 * loop page shows is unchanged. A heartbeat timeout so means what it is for: the worker is gone.
 * A step that hangs is still bounded by its start-to-close timeout.
 *
 * <p>Activities without a heartbeat timeout are left alone (the notifier's heartbeats carry its own
 * progress). A cancellation the ticker's heartbeat finds is left to the step's own next heartbeat,
 * which throws it on the step's thread (the SDK keeps it).
 */
final class StepPulse {

  private static final Logger log = LoggerFactory.getLogger(StepPulse.class);

  /**
   * How long a running step may be silent before the ticker heartbeats for it: 3 s, a third of the
   * 10 s heartbeat timeout ({@code Steps.HEARTBEAT_TIMEOUT}), or a third of a shorter timeout but
   * at least {@link CommandRunner#POLL};
   * checked 4 times per interval, so at most 1.25 intervals of silence. With the 10 s timeout it is
   * longer than a command's own beats (every {@link CommandRunner#POLL}), so a running command is not
   * beaten twice, and at 1,000 loops a step that only waits adds a third of a heartbeat call a second.
   */
  static final Duration EVERY = Duration.ofSeconds(3);

  /** Finds the steps due a heartbeat; sends none itself. */
  private static final ScheduledExecutorService TICKER = Executors.newScheduledThreadPool(1, r -> daemon(r, "step-pulse"));

  /**
   * Sends the ticker's heartbeats. A heartbeat the SDK sends (not only records) is a blocking call
   * for as long as Temporal takes to answer, seconds on a loaded server: sent from a fixed few
   * threads, the heartbeats of 1,000 running steps queued behind each other past the heartbeat timeout.
   * A bounded pool ({@link #SENDER_THREADS}), off the step's lock, one heartbeat queued per step at most.
   */
  private static final java.util.concurrent.ThreadPoolExecutor SENDERS = senders();

  /** At most {@link #SENDER_THREADS} threads, idle ones ended after a minute; a step has one heartbeat queued at most. */
  private static java.util.concurrent.ThreadPoolExecutor senders() {
    java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(SENDER_THREADS, SENDER_THREADS,
        1, TimeUnit.MINUTES, new java.util.concurrent.LinkedBlockingQueue<>(), r -> daemon(r, "step-pulse-send"));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** Heartbeat calls in flight at once, at most: enough for a slow server, not a thread per step at 1,000 loops. */
  static final int SENDER_THREADS = 32;

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static final Map<ActivityExecutionContext, Beat> RUNNING = new ConcurrentHashMap<>();

  private StepPulse() {}

  /** One running step's last heartbeat. */
  private static final class Beat {
    private final String step;
    private final long started = System.nanoTime();
    private long at = started;
    private Object details;
    private boolean ended;
    private boolean sending;

    private final Duration every;

    private Beat(String step, Duration every) {
      this.step = step;
      this.every = every;
    }
  }

  /**
   * Runs {@code step}, the body of activity {@code type}, heartbeating for it every {@link #EVERY}
   * when nothing else did, if the current activity has a heartbeat timeout.
   */
  static <T> T during(String type, Supplier<T> step) {
    ActivityExecutionContext context = current();
    if (context == null || context.getInfo().getHeartbeatTimeout().isZero()) {
      return step.get();
    }
    // A third of a shorter heartbeat timeout, but never more often than a command beats itself: the
    // ticker's beats between a command's own would take the SDK's throttle window from them.
    Duration third = context.getInfo().getHeartbeatTimeout().dividedBy(3);
    Duration every = third.compareTo(EVERY) < 0 ? third : EVERY;
    Beat beat = new Beat(type.toLowerCase(java.util.Locale.ROOT), every.compareTo(CommandRunner.POLL) < 0 ? CommandRunner.POLL : every);
    RUNNING.put(context, beat);
    // Checked 4 times per interval, so a step is silent at most 1.25 intervals whatever the phase of its own beats.
    long tick = beat.every.toMillis();
    ScheduledFuture<?> ticks = TICKER.scheduleWithFixedDelay(() -> tick(context, beat), tick, tick / 4,
        TimeUnit.MILLISECONDS);
    try {
      return step.get();
    } finally {
      synchronized (beat) {
        beat.ended = true;
      }
      ticks.cancel(false);
      RUNNING.remove(context);
    }
  }

  /** Heartbeats {@code details} for the step of {@code context} and notes it, so the ticker waits. */
  static void heartbeat(ActivityExecutionContext context, Object details) {
    Beat beat = RUNNING.get(context);
    if (beat != null) {
      synchronized (beat) {
        beat.at = System.nanoTime();
        beat.details = details;
      }
    }
    context.heartbeat(details);
  }

  private static void tick(ActivityExecutionContext context, Beat beat) {
    Object details;
    synchronized (beat) {
      if (beat.ended || beat.sending || System.nanoTime() - beat.at < beat.every.toNanos()) {
        return;
      }
      details = beat.details != null ? beat.details
          : new StepOutput(beat.step, "working", (System.nanoTime() - beat.started) / 1_000_000, 0, "", Instant.now().toString());
      beat.at = System.nanoTime();
      beat.sending = true;
    }
    // Sent outside the lock, so the step's own heartbeat never waits for this call.
    SENDERS.execute(() -> {
      try {
        context.heartbeat(details);
      } catch (ActivityCompletionException e) {
        // Cancelled, or the attempt is over: the step's own next heartbeat throws it where it runs.
      } catch (RuntimeException e) {
        log.debug("heartbeat of a running {} step failed: {}", beat.step, e.getMessage());
      } finally {
        synchronized (beat) {
          beat.sending = false;
        }
      }
    });
  }

  private static ActivityExecutionContext current() {
    try {
      return Activity.getExecutionContext();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
