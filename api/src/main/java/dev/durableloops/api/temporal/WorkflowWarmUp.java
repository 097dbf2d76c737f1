package dev.durableloops.api.temporal;

import dev.durableloops.api.LoopsProperties;
import dev.durableloops.workflows.WarmUp;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Warms this worker's loop workflow code {@link #DELAY} after the application is ready
 * ({@link WarmUp}: a recorded loop history replayed locally on a worker of its own, no call to the
 * server, no trace span), on a daemon thread of its own, so that the first loop this worker runs, or
 * takes over from a lost worker, does not wait 0.4–0.8 s for the JVM to load and compile the
 * workflow's code in its first workflow task. A warm-up that fails is logged and changes nothing
 * else; it adds one sample to {@code temporal_workflow_task_replay_latency} (task queue
 * {@code <task-queue>-warm-up}). Not in the {@code api} profile, which runs no worker.
 */
@Component
@ConditionalOnProperty(name = "spring.temporal.start-workers", havingValue = "true", matchIfMissing = true)
class WorkflowWarmUp {

  private static final Logger log = LoggerFactory.getLogger(WorkflowWarmUp.class);

  /**
   * How long after the start the warm-up waits: the replay takes a core for ~0.6 s, which slowed the
   * steps a restarted worker hands back when it ran at once (crash recovery 2.8 → 3.5 s median,
   * {@code bench/run.sh --only recovery}); they start within ~0.5 s of the start.
   */
  static final Duration DELAY = Duration.ofSeconds(2);

  private final WorkflowClient client;
  private final String taskQueue;
  private final Duration delay;

  @Autowired
  WorkflowWarmUp(WorkflowClient client, LoopsProperties properties) {
    this(client, properties.taskQueue() + "-warm-up", DELAY);
  }

  /** Warms with a worker of {@code taskQueue} (which nothing polls), {@code delay} after the start. */
  WorkflowWarmUp(WorkflowClient client, String taskQueue, Duration delay) {
    this.client = client;
    this.taskQueue = taskQueue;
    this.delay = delay;
  }

  @EventListener(ApplicationReadyEvent.class)
  void warmUp() {
    Thread thread = new Thread(() -> replay(), "workflow-warm-up");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Waits the delay, then replays.
   *
   * @return whether the workflow code was warmed (false: interrupted, or a replay that failed twice, logged)
   */
  boolean replay() {
    try {
      // Not at once: the steps a restarted worker hands back (HeldSteps) start first.
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    long started = System.nanoTime();
    try {
      WarmUp.replay(client, taskQueue);
      log.info("warmed up the loop workflow code in {} ms (a recorded history replayed on a worker factory of its own, shut down after)",
          (System.nanoTime() - started) / 1_000_000);
      return true;
    } catch (Exception | LinkageError e) {
      // The SDK puts whole stack traces in its messages: the first line says what failed.
      log.warn("could not warm up the loop workflow code (the first workflow task here may take a little longer): {}",
          String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getName()));
      log.debug("the warm-up's failure", e);
      return false;
    }
  }
}
