package dev.durableloops.activities;

import dev.durableloops.workflows.steps.StepContext;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The activity boundary every step goes through: the step's type in the log context ({@code step};
 * the loop id and iteration are put there by {@link #context} or {@link #loop}), the plain
 * exceptions of the code below turned into Temporal failures typed by {@code LoopErrorType}
 * ({@link Failures}) with secrets replaced ({@link Redaction#failure}), and the step's time told to
 * the {@link StepObserver}; a step with a heartbeat timeout is heartbeated all the while
 * ({@link StepPulse}). One instance serves both contracts of a worker.
 */
final class ActivityBoundary {

  private static final Logger log = LoggerFactory.getLogger(ActivityBoundary.class);

  private final Redaction redaction;
  private final StepObserver observer;

  ActivityBoundary(Redaction redaction, StepObserver observer) {
    this.redaction = redaction;
    this.observer = observer;
  }

  /** Puts the loop id and iteration into the log context of the step that runs on this thread. */
  static StepContext context(StepContext ctx) {
    MDC.put("loopId", ctx.loopId());
    MDC.put("iteration", Integer.toString(ctx.iteration()));
    return ctx;
  }

  /** Puts the loop id into the log context of a step that has no {@link StepContext}. */
  static void loop(String loopId) {
    MDC.put("loopId", loopId);
  }

  /**
   * Runs the step {@code type} ({@code Make}, {@code Deliver} …) and returns its result.
   *
   * @throws io.temporal.failure.ApplicationFailure for a {@link StepException} (also one JGit
   *     wrapped) or an {@link UncheckedIOException}, typed by its kind
   * @throws RuntimeException any other failure, with secrets replaced in its message
   */
  <T> T run(String type, Supplier<T> step) {
    long started = System.nanoTime();
    boolean failed = true;
    MDC.put("step", type);
    try {
      // Heartbeats keep coming while the step waits or works between its command's own beats.
      T result = StepPulse.during(type, step);
      failed = false;
      return result;
    } catch (StepException e) {
      throw Failures.of(redaction.failure(e));
    } catch (UncheckedIOException e) {
      throw Failures.of(redaction.failure(new StepException(StepException.Kind.IO, e.getCause().getMessage(), e.getCause())));
    } catch (RuntimeException e) {
      // JGit wraps what its file system throws (TrustedGit refusing a command a git setting names).
      for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
        if (cause instanceof StepException refused) {
          throw Failures.of(redaction.failure(refused));
        }
      }
      throw redaction.failure(e);
    } finally {
      long millis = (System.nanoTime() - started) / 1_000_000;
      log.info("{} {} in {} ms", type, failed ? "failed" : "completed", millis);
      MDC.remove("step");
      MDC.remove("loopId");
      MDC.remove("iteration");
      observer.stepEnded(type, Duration.ofNanos(System.nanoTime() - started), failed);
    }
  }
}
