package dev.durableloops.workflows;

import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;

/** Temporal's time-skipping test server with the loop's search attributes registered ({@link LoopSearchAttributes#ALL}). */
final class LoopTestEnvironment {

  private LoopTestEnvironment() {}

  static TestWorkflowEnvironment newInstance() {
    TestEnvironmentOptions.Builder options = TestEnvironmentOptions.newBuilder();
    LoopSearchAttributes.ALL.forEach(options::registerSearchAttribute);
    return TestWorkflowEnvironment.newInstance(options.build());
  }
}
