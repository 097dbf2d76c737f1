package dev.durableloops.workflows;

import static dev.durableloops.workflows.Texts.truncate;

import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.state.BudgetExtension;
import dev.durableloops.workflows.state.Decision;
import dev.durableloops.workflows.state.DecisionResult;
import dev.durableloops.workflows.state.TimelineRow;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.state.RollbackRequest;
import dev.durableloops.workflows.state.RollbackResult;

import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * The loop's messages: the Queries, Updates and Signals of {@link LoopWorkflow}, each handed to the
 * protocol it belongs to ({@link Approvals}, {@link Rollbacks}, {@link CapExtensions}) or to the
 * state. An Update's validator refuses what its protocol cannot take; the same message as a Signal
 * (from the Temporal UI or CLI, which have no validator) is ignored with the reason logged and
 * written in the timeline. {@link LoopWorkflowImpl} runs the loop itself.
 */
abstract class LoopMessages implements LoopWorkflow {

  /** Characters of a note at most (the API's limit too). */
  static final int MAX_NOTE_CHARS = 10_000;

  private static final Logger log = Workflow.getLogger(LoopMessages.class);

  final LoopSpec spec;
  final LoopProgress state;
  final Approvals approvals = new Approvals();
  final Rollbacks rollbacks = new Rollbacks();
  final Notifications notifications;
  final CapExtensions caps;
  private final Visibility visibility = new Visibility();
  /** The iteration in flight, which a rollback cancels, or {@code null} between iterations. */
  CancellationScope iterationScope;

  /** Builds the run's state from its input ({@link LoopProgress#start}). */
  LoopMessages(LoopInput input) {
    spec = input.spec().normalized();
    state = LoopProgress.start(LoopIds.storeName(Workflow.getInfo().getWorkflowId()), input, spec,
        Workflow.currentTimeMillis());
    notifications = new Notifications(spec, state);
    caps = new CapExtensions(state, notifications, this::publish);
  }

  @Override
  public LoopState state() {
    return snapshot();
  }

  @Override
  public LoopSpec spec() {
    return spec;
  }

  @Override
  public ForkSeed forkSeed(int checkpoint) {
    ForkSeed seed = state.forkSeed(checkpoint);
    if (seed == null) {
      throw new IllegalArgumentException("loop " + state.loopId() + " has no checkpoint " + checkpoint);
    }
    return seed;
  }

  @Override
  public ForkSeed attemptForkSeed(int iteration, int attempt) {
    ForkSeed seed = state.attemptForkSeed(iteration, attempt);
    if (seed == null) {
      throw new IllegalArgumentException("loop " + state.loopId() + " has no finished attempt " + attempt + " of iteration " + iteration);
    }
    return seed;
  }

  @Override
  public DecisionResult decide(Decision decision) {
    return approvals.take(decision);
  }

  @Override
  public void validateDecide(Decision decision) {
    refuse(approvals.problem(decision));
  }

  @Override
  public void decideBySignal(Decision decision) {
    if (accepted("decision", approvals.problem(decision))) {
      approvals.take(decision);
    }
  }

  @Override
  public Budget extend(BudgetExtension extension) {
    caps.apply(extension);
    return snapshot().carried().budget;
  }

  @Override
  public void validateExtend(BudgetExtension extension) {
    refuse(caps.refusal(extension));
  }

  @Override
  public void extendBySignal(BudgetExtension extension) {
    if (accepted("extendBudget", caps.refusal(extension))) {
      caps.apply(extension);
    }
  }

  @Override
  public RollbackResult rollback(RollbackRequest request) {
    int ticket = rollbacks.request(request);
    if (iterationScope != null) {
      iterationScope.cancel("rollback to checkpoint " + request.checkpoint());
    }
    Workflow.await(() -> rollbacks.isApplied(ticket));
    return rollbacks.last();
  }

  @Override
  public void validateRollback(RollbackRequest request) {
    refuse(rollbacks.problem(request, state));
  }

  @Override
  public void pause() {
    state.paused(true);
  }

  @Override
  public void resume() {
    state.paused(false);
    approvals.resume();
  }

  @Override
  public void addNote(Note note) {
    String problem = note == null || note.text() == null || note.text().isBlank() ? "the note has no text"
        : note.text().length() > MAX_NOTE_CHARS ? "the note has " + note.text().length() + " characters; at most " + MAX_NOTE_CHARS
        : null;
    if (accepted("addNote", problem)) {
      state.note(new Note(note.text(), note.author(), state.now()));
    }
  }

  /** An Update validator's refusal: {@code problem} as the Update's failure, when there is one. */
  private static void refuse(String problem) {
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /**
   * Whether a Signal can be taken. One the loop cannot take (sent from the Temporal UI or CLI,
   * which have no validator) is ignored, with the reason logged and written in the loop's
   * timeline, so whoever sent it can see why.
   */
  private boolean accepted(String signal, String problem) {
    if (problem == null) {
      return true;
    }
    log.warn("loop {}: {} signal ignored: {}", state.loopId(), signal, problem);
    state.timeline().record(TimelineRow.event(state.iteration(), null, signal + " signal ignored: " + truncate(problem, 400)));
    return false;
  }

  // ---- the state as the world sees it ----

  /** The state as the {@code state} Query answers it and continue-as-new carries it. */
  final LoopState snapshot() {
    return state.snapshot(approvals.pending());
  }

  /** Shows the state in Temporal's search attributes and current details. */
  final void publish() {
    visibility.publish(snapshot());
  }

  /** Enters {@code next} and publishes it. */
  final void phase(Phase next) {
    state.timeline().enter(next, Workflow.currentTimeMillis());
    publish();
  }
}
