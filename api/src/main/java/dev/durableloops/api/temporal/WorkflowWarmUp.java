package dev.durableloops.api.temporal;

import dev.durableloops.api.LoopsProperties;
import dev.durableloops.workflows.WarmUp;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Warms this worker's loop workflow code {@link #DELAY} after its workers start ({@link WarmUp}: a
 * recorded loop history replayed locally, no call to the server), on a daemon thread of its own, so that the
 * first loop this worker runs, or takes over from a lost worker, does not wait 0.4–0.8 s for the
 * JVM to load and compile the workflow's code in its first workflow task. A warm-up that fails is
 * logged and changes nothing else. Not in the {@code api} profile, which runs no worker.
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
  static final java.time.Duration DELAY = java.time.Duration.ofSeconds(2);

  private final WorkerFactory factory;
  private final String taskQueue;

  WorkflowWarmUp(WorkerFactory factory, LoopsProperties properties) {
    this.factory = factory;
    this.taskQueue = properties.taskQueue();
  }

  /** When the starter starts the workers (the same event; replaying needs a started worker, which the thread waits for). */
  @EventListener(ApplicationReadyEvent.class)
  void warmUp() {
    Thread thread = new Thread(this::replay, "workflow-warm-up");
    thread.setDaemon(true);
    thread.start();
  }

  private void replay() {
    try {
      // Not at once: the steps a restarted worker hands back ({@link HeldSteps}) start first.
      Thread.sleep(DELAY.toMillis());
      // The starter starts the factory on the same event, in an order of listeners nobody promises.
      for (int i = 0; i < 600 && !factory.isStarted(); i++) {
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      return;
    }
    Worker worker = factory.getWorker(taskQueue);
    if (worker == null || !factory.isStarted() || factory.isShutdown()) {
      log.debug("no started worker of task queue {} to warm up", taskQueue);
      return;
    }
    long started = System.nanoTime();
    try {
      WarmUp.replayOn(worker);
      log.debug("loop workflow code warmed up in {} ms", (System.nanoTime() - started) / 1_000_000);
    } catch (Exception | LinkageError e) {
      if (factory.isShutdown()) {
        log.debug("warm-up stopped: the workers are shutting down");
        return;
      }
      log.warn("could not warm up the loop workflow code (the first workflow task here may take a little longer): {}", e.toString());
    }
  }
}
