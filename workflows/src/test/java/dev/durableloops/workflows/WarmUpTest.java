package dev.durableloops.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WarmUp}: the recorded history it ships replays on a worker, and really runs the workflow's code. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class WarmUpTest {

  static TestWorkflowEnvironment env;
  static Worker loop;
  static Worker changed;

  @BeforeAll
  static void start() {
    env = TestWorkflowEnvironment.newInstance();
    loop = env.newWorker("warm-up");
    loop.registerWorkflowImplementationTypes(LoopWorkflowImpl.class);
    changed = env.newWorker("warm-up-changed");
    changed.registerWorkflowImplementationTypes(HistoryReplayTest.TimerFirstLoopWorkflow.class);
    env.start();
  }

  @AfterAll
  static void close() {
    env.close();
  }

  @Test
  void theShippedHistoryReplaysOnAWorkerOfTheLoopWorkflow() throws Exception {
    WarmUp.replayOn(loop);

    assertThat(WarmUp.history().getEvents()).hasSize(66);
  }

  /** On a worker factory of its own, from the client: the app's workers are not involved. */
  @Test
  void replaysOnAFactoryOfItsOwn() throws Exception {
    WarmUp.replay(env.getWorkflowClient(), "warm-up-own");
  }

  /** The control: a workflow whose commands differ fails the warm-up, so the warm-up runs the code it warms. */
  @Test
  void aChangedWorkflowFailsTheWarmUp() {
    assertThatThrownBy(() -> WarmUp.replayOn(changed)).hasMessageContaining("[TMPRL1100]");
  }
}
