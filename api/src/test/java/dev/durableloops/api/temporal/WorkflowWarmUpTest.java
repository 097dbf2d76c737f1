package dev.durableloops.api.temporal;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WorkflowWarmUp} with the Temporal test server's client: it warms, twice in one process too. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class WorkflowWarmUpTest {

  static TestWorkflowEnvironment env;

  @BeforeAll
  static void start() {
    env = TestWorkflowEnvironment.newInstance();
    env.start();
  }

  @AfterAll
  static void close() {
    env.close();
  }

  /** Twice: the worker factory of its own that the first made is shut down, and a second one can be made. */
  @Test
  void warmsTheLoopWorkflowCode() {
    WorkflowWarmUp warmUp = new WorkflowWarmUp(env.getWorkflowClient(), "loops-warm-up", Duration.ZERO);

    assertThat(warmUp.replay()).isTrue();
    assertThat(warmUp.replay()).isTrue();
  }
}
