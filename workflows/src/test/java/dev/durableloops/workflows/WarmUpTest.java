package dev.durableloops.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WarmUp}: the recorded history it ships replays on a worker, and really runs the workflow's code. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class WarmUpTest {

  private final TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();

  @AfterEach
  void close() {
    env.close();
  }

  @Test
  void theShippedHistoryReplaysOnAWorkerOfTheLoopWorkflow() throws Exception {
    Worker worker = env.newWorker("warm-up");
    worker.registerWorkflowImplementationTypes(LoopWorkflowImpl.class);
    env.start();

    WarmUp.replayOn(worker);

    assertThat(WarmUp.history().getEvents()).hasSize(66);
  }

  /** The control: a workflow whose commands differ fails the warm-up, so the warm-up runs the code it warms. */
  @Test
  void aChangedWorkflowFailsTheWarmUp() {
    Worker worker = env.newWorker("warm-up");
    worker.registerWorkflowImplementationTypes(HistoryReplayTest.TimerFirstLoopWorkflow.class);
    env.start();

    assertThatThrownBy(() -> WarmUp.replayOn(worker)).hasMessageContaining("[TMPRL1100]");
  }
}
