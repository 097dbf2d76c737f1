package dev.durableloops.api.temporal;

import io.temporal.worker.WorkerFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Drains this process's Temporal workers when the application stops (SIGTERM, or the context
 * closing): polling stops at once, running steps get up to {@code durable-loops.worker.drain-timeout}
 * to finish and report, and only then are the steps still running stopped (their retries go to
 * another worker). It drains on the context's {@link ContextClosedEvent}, which Spring publishes
 * before it stops any lifecycle bean (the web server's graceful shutdown among them) and long before
 * the beans holding the Temporal connection are destroyed, so the steps report over a live
 * connection and the API answers while the workers drain. The drain blocks: the JVM, and with it
 * each step's supervisor, stays alive until the steps end or the timeout passes. A context that is
 * only stopped and started again (Spring's test context cache pauses the contexts it is not using)
 * keeps its workers: a {@link WorkerFactory} cannot start again once shut down.
 */
final class WorkerDrain implements ApplicationListener<ContextClosedEvent> {

  private static final Logger log = LoggerFactory.getLogger(WorkerDrain.class);

  /** How long the workers get to stop after the steps still running are interrupted. */
  static final Duration AFTER_INTERRUPT = Duration.ofSeconds(5);

  private final WorkerFactory factory;
  private final Duration timeout;

  WorkerDrain(WorkerFactory factory, Duration timeout) {
    this.factory = factory;
    this.timeout = timeout;
  }

  @Override
  public void onApplicationEvent(ContextClosedEvent event) {
    drain();
  }

  /** Stops polling, waits for the running steps up to the drain timeout, then stops the rest. */
  void drain() {
    if (!factory.isStarted() || factory.isTerminated()) {
      return;
    }
    long started = System.nanoTime();
    log.info("draining the Temporal workers: no new steps; running steps get up to {} s to finish", timeout.toSeconds());
    factory.shutdown();
    factory.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (factory.isTerminated()) {
      log.info("workers drained in {} ms", (System.nanoTime() - started) / 1_000_000);
      return;
    }
    log.warn("steps still running after the drain timeout of {} s are stopped; Temporal retries them on another worker",
        timeout.toSeconds());
    factory.shutdownNow();
    factory.awaitTermination(AFTER_INTERRUPT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
