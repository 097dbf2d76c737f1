package dev.durableloops.api.temporal;

import dev.durableloops.api.LoopsProperties;
import dev.durableloops.api.WorkerUnavailableException;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.client.WorkflowClient;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Whether a worker polls the loop task queue, asked of Temporal ({@code DescribeTaskQueue}) and
 * kept for {@link #CACHE} so every request and event stream of that second shares one call. A probe
 * that fails says {@link Availability#UNKNOWN}, never "workers up".
 */
@Component
public class WorkerProbe {

  /** What the probe found. */
  public enum Availability {
    /** A worker polled the task queue within {@link #POLLER_FRESHNESS}. */
    UP,
    /** No worker polled it within {@link #POLLER_FRESHNESS}. */
    DOWN,
    /** The server could not say (an error, or a server without the call). */
    UNKNOWN
  }

  /**
   * A poller seen this recently means a worker is up. Pollers long-poll for up to 60 s (Temporal's
   * default poll timeout), so a live worker is always seen within that plus a margin.
   */
  public static final Duration POLLER_FRESHNESS = Duration.ofSeconds(75);

  /** How long a Query or Update waits for a worker before the API falls back; 5 s. */
  public static final Duration WORKER_WAIT = Duration.ofSeconds(5);

  /** How long one probe's answer is reused. */
  static final Duration CACHE = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(WorkerProbe.class);

  private final WorkflowClient client;
  private final String taskQueue;
  private final String namespace;
  private final ExecutorService waiter = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "worker-wait");
    t.setDaemon(true);
    return t;
  });
  private volatile Availability last;
  private volatile long lastAtNanos;

  WorkerProbe(RequestClient requests, LoopsProperties properties, Environment environment) {
    this.client = requests.client();
    this.taskQueue = properties.taskQueue();
    this.namespace = environment.getProperty("spring.temporal.namespace", "default");
  }

  /** The task queue probed. */
  public String taskQueue() {
    return taskQueue;
  }

  /** Whether a worker polls the loop task queue; answered from a cache of {@link #CACHE}. */
  public Availability availability() {
    Availability cached = last;
    if (cached != null && System.nanoTime() - lastAtNanos < CACHE.toNanos()) {
      return cached;
    }
    Availability now = probe();
    last = now;
    lastAtNanos = System.nanoTime();
    return now;
  }

  private Availability probe() {
    try {
      var response = client.getWorkflowServiceStubs().blockingStub().describeTaskQueue(
          DescribeTaskQueueRequest.newBuilder()
              .setNamespace(namespace)
              .setTaskQueue(TaskQueue.newBuilder().setName(taskQueue))
              .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
              .build());
      long now = System.currentTimeMillis();
      boolean fresh = response.getPollersList().stream()
          .anyMatch(p -> now - p.getLastAccessTime().getSeconds() * 1000 < POLLER_FRESHNESS.toMillis());
      return fresh ? Availability.UP : Availability.DOWN;
    } catch (RuntimeException e) {
      log.debug("worker probe of task queue {} failed: {}", taskQueue, e.getMessage());
      return Availability.UNKNOWN;
    }
  }

  /**
   * Refuses an operation that needs a worker when none is up; an unknown answer lets it try.
   *
   * @param what the operation, for the message
   * @throws WorkerUnavailableException when no worker polls the task queue
   */
  public void require(String what) {
    if (availability() == Availability.DOWN) {
      throw new WorkerUnavailableException("no worker is polling task queue " + taskQueue + "; " + what
          + " needs one. Start a worker and try again.");
    }
  }

  /**
   * Runs a Query or Update that needs a worker, giving up after {@link #WORKER_WAIT}: a worker that
   * died recently still looks alive for up to {@link #POLLER_FRESHNESS}.
   *
   * @return its result, or {@code null} when no worker answered in time (or none is up)
   */
  public <T> T withinWorkerWait(Supplier<T> call) {
    if (availability() == Availability.DOWN) {
      return null;
    }
    Future<T> future = waiter.submit(call::get);
    try {
      return future.get(WORKER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      return null;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  @PreDestroy
  void stop() {
    waiter.shutdownNow();
  }
}
