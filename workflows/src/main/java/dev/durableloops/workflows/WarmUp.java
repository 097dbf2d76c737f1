package dev.durableloops.workflows;

import com.google.protobuf.util.JsonFormat;
import io.temporal.api.history.v1.History;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Warms a new worker's loop workflow code: replays one recorded loop history (two iterations and a
 * continue-as-new, 66 events; {@code warm-up/continue-as-new-first-run-lean-iteration.json}, the
 * file {@code HistoryReplayTest} replays too) on the worker, locally, with no call to the server.
 * A JVM's first workflow task loads and compiles the SDK's replay machinery and the loop's classes:
 * 0.4–0.8 s on 2 cores against 25 ms once warm (BENCHMARKS.md, "A worker's start without a second
 * sandbox; a warm workflow"), paid by the first loop a worker runs or takes over from a lost one.
 */
public final class WarmUp {

  /** The recorded history, on the class path. */
  static final String HISTORY = "warm-up/continue-as-new-first-run-lean-iteration.json";

  private WarmUp() {}

  /**
   * Replays the history on {@code worker}, which must have {@link LoopWorkflowImpl} registered (it
   * need not be started; the app waits for its workers to run, to warm what they run).
   *
   * @throws Exception what {@link Worker#replayWorkflowExecution} throws (a history the code no
   *     longer replays: a nondeterminism error)
   */
  public static void replayOn(Worker worker) throws Exception {
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
