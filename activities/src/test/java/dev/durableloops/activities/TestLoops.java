package dev.durableloops.activities;

import dev.durableloops.workflows.LoopSearchAttributes;
import dev.durableloops.workflows.LoopWorkflowImpl;
import io.temporal.testing.TestWorkflowExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The loop workflow on Temporal's time-skipping test server, as the workflow tests set it up. */
final class TestLoops {

  private TestLoops() {}

  /** A new temporary data directory named after {@code prefix}, for a test class's loops. */
  static Path dataDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes the history of loop {@code id} (its last run) as JSON to {@code target/recorded-histories/<file>},
   * the form {@code HistoryReplayTest} replays, so a run of the workflow tests can provide a replay
   * history; returns the history.
   */
  static io.temporal.common.WorkflowExecutionHistory record(io.temporal.client.WorkflowClient client, String id, String file) {
    io.temporal.common.WorkflowExecutionHistory history = client.fetchHistory(id);
    try {
      Path dir = Files.createDirectories(Path.of("target", "recorded-histories"));
      Files.writeString(dir.resolve(file), history.toJson(true));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return history;
  }

  /**
   * A test server running {@link LoopWorkflowImpl} with the loop's search attributes registered and
   * {@code activities} (e.g. {@code new WorkerActivities(data).all()}) as its activities.
   */
  static TestWorkflowExtension server(Object... activities) {
    TestWorkflowExtension.Builder builder = TestWorkflowExtension.newBuilder()
        .registerWorkflowImplementationTypes(LoopWorkflowImpl.class)
        .setActivityImplementations(activities);
    LoopSearchAttributes.ALL.forEach(builder::registerSearchAttribute);
    return builder.build();
  }
}
