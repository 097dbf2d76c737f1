package dev.durableloops.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.testing.WorkflowReplayer;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays every history recorded from real dev-server runs ({@code src/test/resources/histories},
 * recorded by {@code HistoryRecordingIT}) against the current {@link LoopWorkflowImpl}. A change to
 * the workflow that alters its command sequence without {@code Workflow.getVersion} fails here with
 * a non-determinism error.
 */
class HistoryReplayTest {

  static Stream<Path> histories() throws IOException {
    Path dir = Path.of("src/test/resources/histories");
    try (Stream<Path> files = Files.list(dir)) {
      var list = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
      assertThat(list).hasSizeGreaterThanOrEqualTo(5);
      return list.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("histories")
  void replays(Path history) throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history.toFile(), LoopWorkflowImpl.class);
  }

  /**
   * The negative control: the same workflow with one more command (a timer) before its first step
   * must fail to replay every recorded history, or the test above could not catch a change either.
   */
  @ParameterizedTest
  @MethodSource("histories")
  void aChangedCommandSequenceFailsToReplay(Path history) {
    assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecution(history.toFile(), TimerFirstLoopWorkflow.class))
        .hasMessageContaining("[TMPRL1100]").hasMessageContaining("does not match command type");
  }

  /** {@link LoopWorkflowImpl} with an unversioned timer before everything else. */
  public static class TimerFirstLoopWorkflow extends LoopWorkflowImpl {
    @io.temporal.workflow.WorkflowInit
    public TimerFirstLoopWorkflow(LoopInput input) {
      super(input);
    }

    @Override
    public LoopOutcome run(LoopInput input) {
      Workflow.sleep(Duration.ofSeconds(1));
      return super.run(input);
    }
  }
}
