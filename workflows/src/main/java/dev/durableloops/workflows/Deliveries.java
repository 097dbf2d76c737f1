package dev.durableloops.workflows;

import static dev.durableloops.workflows.Steps.STEP_MARGIN;
import static dev.durableloops.workflows.Texts.shortId;

import dev.durableloops.workflows.spec.DeliverSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.steps.DeliverInput;
import dev.durableloops.workflows.steps.DeliverResult;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * The delivery protocol ({@link Versions#DELIVER}): when a loop succeeds, and at each checkpoint
 * when its spec asks ({@code deliver.onCheckpoint}), the {@code Deliver} step pushes the loop's head
 * as a branch of its repository and runs the deliver command. A head delivered at its checkpoint is
 * not delivered again at success. A delivery that fails, even by a lost worker, is recorded in the
 * state, not thrown: the loop's own result stands. Cancellation still propagates.
 */
final class Deliveries {

  /** Time a delivery's push may take, beside its command's timeout (the worker stops a push at 5 minutes). */
  static final Duration PUSH_LIMIT = Duration.ofMinutes(5);

  private final LoopSpec spec;
  private final LoopProgress state;
  private final Consumer<Phase> phase;
  private final Runnable publish;

  /**
   * @param phase enters a phase (and publishes it)
   * @param publish publishes the state after a delivery
   */
  Deliveries(LoopSpec spec, LoopProgress state, Consumer<Phase> phase, Runnable publish) {
    this.spec = spec;
    this.state = state;
    this.phase = phase;
    this.publish = publish;
  }

  /**
   * Delivers at checkpoint {@code number} when the spec asks for it there.
   *
   * @return the delivery (its {@code pushed} only when the repository was read back at the head),
   *     or {@code null} when the spec does not deliver at checkpoints
   */
  DeliverResult atCheckpoint(int number) {
    return spec.deliver().onCheckpoint() ? deliver(number, false) : null;
  }

  /**
   * Delivers the loop's head as it succeeds.
   *
   * @return the delivery, or {@code null} when the spec delivers nothing
   */
  DeliverResult onSuccess() {
    return deliver(state.checkpoints().head(), true);
  }

  private DeliverResult deliver(int checkpoint, boolean onSuccess) {
    DeliverSpec deliver = spec.deliver();
    if (!deliver.delivers()) {
      return null;
    }
    Versions.mark(Versions.DELIVER);
    DeliverResult last = state.lastDelivery();
    if (onSuccess && last != null && last.succeeded() && state.headCommit().equals(last.commit())) {
      // The head was delivered at its checkpoint (onCheckpoint): once is enough.
      return last;
    }
    String branch = deliver.branch() != null ? deliver.branch() : "loops/" + state.loopId();
    phase.accept(Phase.DELIVER);
    DeliverResult result;
    try {
      result = Steps.delivery("deliver " + shortId(state.headCommit()) + (Boolean.FALSE.equals(deliver.push()) ? "" : " as " + branch)
                  + (deliver.command() == null ? "" : " · " + deliver.command()),
              deliver.timeoutDuration().plus(PUSH_LIMIT).plus(STEP_MARGIN), state.host())
          .deliver(new DeliverInput(state.stepContext(spec, state.headCommit()), spec.workspace(), deliver, checkpoint, onSuccess));
    } catch (ActivityFailure e) {
      if (e.getCause() instanceof CanceledFailure || CancellationScope.current().isCancelRequested()) {
        throw e;
      }
      result = new DeliverResult(checkpoint, onSuccess, state.headCommit(), branch, false, null, null, null, null,
          "the Deliver step failed: " + StepFailures.describe(e), Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString());
    }
    state.delivered(result);
    publish.run();
    return result;
  }
}
