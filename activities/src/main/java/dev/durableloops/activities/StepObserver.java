package dev.durableloops.activities;

import java.time.Duration;

/**
 * What the activities tell the process around them about the steps they ran, for metrics: the
 * worker's Spring app records them in Micrometer. Called on the activity's thread; implementations
 * must be quick and must not throw.
 */
public interface StepObserver {

  /**
   * A step ended.
   *
   * @param step the activity type, e.g. {@code Make}
   * @param duration how long the activity ran on this worker
   * @param failed whether it raised a failure (a non-zero exit is not one: that is evidence)
   */
  void stepEnded(String step, Duration duration, boolean failed);

  /**
   * A maker reported what it spent in {@code LOOP_RESULT_FILE}.
   *
   * @param usd US dollars, at least 0
   * @param tokens tokens, at least 0
   */
  void makerSpent(double usd, long tokens);

  /**
   * An iteration's attempt was kept ({@code ACCEPT}, at its Checkpoint) or thrown away
   * ({@code REJECT}, at its Discard).
   */
  void iterationEnded(String verdict);

  /** Observes nothing. */
  StepObserver NONE = new StepObserver() {
    @Override
    public void stepEnded(String step, Duration duration, boolean failed) {}

    @Override
    public void makerSpent(double usd, long tokens) {}

    @Override
    public void iterationEnded(String verdict) {}
  };
}
