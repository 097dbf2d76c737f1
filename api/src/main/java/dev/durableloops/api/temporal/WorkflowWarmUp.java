package dev.durableloops.api.temporal;

import dev.durableloops.api.LoopsProperties;
import dev.durableloops.workflows.WarmUp;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Warms this worker's loop workflow code {@link #DELAY} after its workers start ({@link WarmUp}: a
 * recorded loop history replayed locally, no call to the server), on a daemon thread of its own, so that the
 * first loop this worker runs, or takes over from a lost worker, does not wait 0.4–0.8 s for the
 * JVM to load and compile the workflow's code in its first workflow task. A warm-up that fails is
 * logged and changes nothing else. It leaves two marks: one root span {@code RunWorkflow:LoopWorkflow}
 * (workflow id {@code warm-up}) where traces are exported, since Temporal's tracing interceptor
 * does not skip replays, and one cold sample of {@code temporal_workflow_task_replay_latency}. Not in
 * the {@code api} profile, which runs no worker.
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

  private final WorkerFactory factory;
  private final String taskQueue;
  private final Duration delay;

  @Autowired
  WorkflowWarmUp(WorkerFactory factory, LoopsProperties properties) {
    this(factory, properties.taskQueue(), DELAY);
  }

  /** Warms the worker of {@code taskQueue} in {@code factory}, {@code delay} after the start. */
  WorkflowWarmUp(WorkerFactory factory, String taskQueue, Duration delay) {
    this.factory = factory;
    this.taskQueue = taskQueue;
    this.delay = delay;
  }

  /** When the starter starts the workers (the same event); the thread waits for them to run, so it warms what they will run. */
  @EventListener(ApplicationReadyEvent.class)
  void warmUp() {
    Thread thread = new Thread(() -> replay(), "workflow-warm-up");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Waits the delay and for the workers to run, then replays.
   *
   * @return whether the workflow code was warmed (false: no running worker of the task queue, the
   *     workers shutting down, or a replay that failed, logged)
   */
  boolean replay() {
    try {
      // Not at once: the steps a restarted worker hands back (HeldSteps) start first.
      Thread.sleep(delay.toMillis());
      // The starter starts the factory on the same event, in an order of listeners nobody promises.
      for (int i = 0; i < 600 && !factory.isStarted(); i++) {
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    long started = System.nanoTime();
    try {
      Worker worker = factory.tryGetWorker(taskQueue);
      if (worker == null || !factory.isStarted() || factory.isShutdown()) {
        log.debug("no running worker of task queue {} to warm up", taskQueue);
        return false;
      }
      try {
        WarmUp.replayOn(worker);
      } catch (Exception first) {
        // Cold, on a loaded machine, the replay can hold the workflow thread past the SDK's 1 s
        // deadlock detection (PotentialDeadlockException); it loaded the classes all the same, and
        // the second replay runs warm.
        log.debug("warm-up replay failed once, replaying again", first);
        WarmUp.replayOn(worker);
      }
      log.debug("loop workflow code warmed up in {} ms", (System.nanoTime() - started) / 1_000_000);
      return true;
    } catch (Exception | LinkageError e) {
      if (factory.isShutdown()) {
        log.debug("warm-up stopped: the workers are shutting down");
        return false;
      }
      // The SDK puts whole stack traces in its messages: the first line says what failed.
      log.warn("could not warm up the loop workflow code (the first workflow task here may take a little longer): {}",
          String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getName()));
      log.debug("the warm-up's failure", e);
      return false;
    }
  }
}
