package dev.durableloops.workflows;

import com.google.protobuf.util.JsonFormat;
import io.temporal.api.history.v1.History;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Warms a new worker's loop workflow code: replays one recorded loop history (two iterations and a
 * continue-as-new, 66 events; {@code warm-up/continue-as-new-first-run-lean-iteration.json}, the
 * file {@code HistoryReplayTest} replays too), locally, with no call to the server.
 * A JVM's first workflow task loads and compiles the SDK's replay machinery and the loop's classes:
 * 0.4–0.8 s on 2 cores against 25 ms once warm (BENCHMARKS.md, "A worker's start without a second
 * sandbox; a warm workflow"), paid by the first loop a worker runs or takes over from a lost one.
 */
public final class WarmUp {

  /** The recorded history, on the class path. */
  static final String HISTORY = "warm-up/continue-as-new-first-run-lean-iteration.json";

  private WarmUp() {}

  /**
   * Replays the history on a worker of a factory of its own, made from {@code client} (its data
   * converter and codec, its metrics) and shut down after: the factory is never started, polls
   * nothing and has none of the app's worker interceptors, so the replay leaves no trace span. A
   * cold replay on a loaded machine can hold the workflow thread past the SDK's 1 s deadlock
   * detection ({@code PotentialDeadlockException}); it loaded the classes all the same, and it is
   * replayed once more, warm.
   *
   * @param taskQueue the name of the replaying worker's task queue (nothing polls it)
   * @throws Exception what {@link Worker#replayWorkflowExecution} throws the second time (a history
   *     the code no longer replays: a nondeterminism error)
   */
  public static void replay(WorkflowClient client, String taskQueue) throws Exception {
    WorkerFactory factory = WorkerFactory.newInstance(client);
    try {
      Worker worker = factory.newWorker(taskQueue);
      worker.registerWorkflowImplementationTypes(LoopWorkflowImpl.class);
      WorkflowExecutionHistory history = history();
      try {
        worker.replayWorkflowExecution(history);
      } catch (Exception first) {
        worker.replayWorkflowExecution(history);
      }
    } finally {
      factory.shutdownNow();
    }
  }

  /** Replays the history on {@code worker}, which must have {@link LoopWorkflowImpl} registered (started or not). */
  static void replayOn(Worker worker) throws Exception {
    worker.replayWorkflowExecution(history());
  }

  /**
   * The recorded history, parsed with protobuf's JSON format: the SDK's own
   * {@code WorkflowExecutionHistory.fromJson} needs JsonPath, which only the tests have.
   */
  static WorkflowExecutionHistory history() {
    try (InputStream in = WarmUp.class.getResourceAsStream(HISTORY)) {
      if (in == null) {
        throw new IllegalStateException("the warm-up history " + HISTORY + " is not on the class path");
      }
      History.Builder history = History.newBuilder();
      JsonFormat.parser().ignoringUnknownFields().merge(new String(in.readAllBytes(), StandardCharsets.UTF_8), history);
      return new WorkflowExecutionHistory(history.build(), "warm-up");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the warm-up history " + HISTORY, e);
    }
  }
}
