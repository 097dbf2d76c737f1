package dev.durableloops.activities;

import dev.durableloops.workflows.steps.StepOutput;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.time.Instant;

/**
 * The heartbeats of one command-running step: each carries a {@link StepOutput} (status, elapsed
 * time, the output's tail with secrets replaced), so whoever watches the loop sees what the
 * command prints from whichever worker runs it. Outside an activity (unit tests) it does nothing.
 * A heartbeat that finds the activity cancelled throws, which kills the command.
 */
final class LiveOutput implements CommandRunner.Progress {

  private final ActivityExecutionContext context;
  private final String step;
  private final Redaction redaction;
  private final long started = System.nanoTime();

  private LiveOutput(ActivityExecutionContext context, String step, Redaction redaction) {
    this.context = context;
    this.step = step;
    this.redaction = redaction;
  }

  /** The live output of {@code step} in the current activity. */
  static LiveOutput of(String step, Redaction redaction) {
    ActivityExecutionContext context;
    try {
      context = Activity.getExecutionContext();
    } catch (RuntimeException e) {
      context = null;
    }
    return new LiveOutput(context, step, redaction);
  }

  /** {@code tail} with secrets replaced, one cut by its start too ({@link Redaction#tail}). */
  @Override
  public String cut(String tail) {
    return redaction.tail(tail);
  }

  @Override
  public void beat(String status, String tail, long outputBytes) {
    if (context != null) {
      StepPulse.heartbeat(context, new StepOutput(step, status, (System.nanoTime() - started) / 1_000_000, outputBytes,
          redaction.tail(tail), Instant.now().toString()));
    }
  }

  /** A heartbeat after the command ended, showing its last output while the step finishes. */
  void after(CommandRunner.Run run, String status) {
    beat(status, CommandRunner.liveTail(run.log(), null, this::cut), 0);
  }
}
