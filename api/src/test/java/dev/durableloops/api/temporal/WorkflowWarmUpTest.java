package dev.durableloops.api.temporal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.durableloops.workflows.LoopWorkflowImpl;
import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WorkflowWarmUp} on the Temporal test server's workers: it warms the loop's worker, and a missing one changes nothing. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class WorkflowWarmUpTest {

  static TestWorkflowEnvironment env;

  @BeforeAll
  static void start() {
    env = TestWorkflowEnvironment.newInstance();
    env.newWorker("loops").registerWorkflowImplementationTypes(LoopWorkflowImpl.class);
    env.start();
  }

  @AfterAll
  static void close() {
    env.close();
  }

  @Test
  void warmsTheRunningWorkerOfTheLoopsTaskQueue() {
    assertThat(new WorkflowWarmUp(env.getWorkerFactory(), "loops", Duration.ZERO).replay()).isTrue();
  }

  /** A task queue this process runs no worker of (the starter's workers configured otherwise): nothing warmed, nothing thrown. */
  @Test
  void aTaskQueueWithoutAWorkerIsSkipped() {
    assertThat(new WorkflowWarmUp(env.getWorkerFactory(), "elsewhere", Duration.ZERO).replay()).isFalse();
  }
}
