package dev.durableloops.api.loops;

import dev.durableloops.api.temporal.Executions;
import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.state.BudgetExtension;

import dev.durableloops.api.LoopConflictException;
import dev.durableloops.api.temporal.WorkerProbe;
import dev.durableloops.workflows.state.Decision;
import dev.durableloops.workflows.state.DecisionResult;
import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.state.RollbackRequest;
import dev.durableloops.workflows.state.RollbackResult;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import dev.durableloops.api.temporal.RequestClient;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import org.springframework.security.core.context.SecurityContextHolder;
import dev.durableloops.activities.Redaction;
import dev.durableloops.api.LoopsProperties;
import org.springframework.stereotype.Service;

/**
 * What a person tells a running loop: decisions and rollbacks (Updates, answered synchronously),
 * pause, resume and notes (Signals), and cancellation.
 */
@Service
class LoopCommands {

  private final WorkflowClient client;
  private final Executions executions;
  private final WorkerProbe workers;
  /** People's text (notes, comments, reasons) enters history: configured secrets in it are replaced first. */
  private final Redaction redaction;

  LoopCommands(RequestClient requests, Executions executions, WorkerProbe workers, LoopsProperties properties) {
    this.redaction = new Redaction(properties.secrets());
    this.client = requests.client();
    this.executions = executions;
    this.workers = workers;
  }

  /**
   * Sends the {@code decide} Update, recording the authenticated caller as the decider; a refused
   * decision is a {@link LoopConflictException}. When no
   * worker answers, the decision is sent as the {@code decision} Signal instead and {@code null} is
   * returned: it is applied (or ignored, if it names another attempt) once a worker is back.
   */
  DecisionResult decide(String id, Decision asSent) {
    // The authenticated caller decides, whatever the body's "by" says.
    Decision decision = new Decision(asSent.decision(), asSent.diffHash(), redaction.apply(asSent.comment()), caller(asSent.by()),
        asSent.attempt());
    return updateOrSignal(id, "decision", () -> executions.running(id).decide(decision), "decision", decision);
  }

  /**
   * Extends the budget of a loop waiting for it (the {@code extend} Update), recorded as the
   * authenticated caller's; {@code null} when no worker answered and it was sent as the
   * {@code extendBudget} Signal.
   *
   * @throws LoopConflictException when the loop has ended or refuses it (not waiting, still at the cap)
   */
  Budget extend(String id, BudgetExtension asSent) {
    BudgetExtension extension = new BudgetExtension(asSent.maxIterations(), asSent.maxDuration(), asSent.maxCostUsd(),
        caller(asSent.by()), redaction.apply(asSent.reason()));
    return updateOrSignal(id, "extension", () -> executions.running(id).extend(extension), "extendBudget", extension);
  }

  /**
   * Sends an Update to a running loop and returns its answer; when no worker answers within
   * {@link WorkerProbe#WORKER_WAIT} the same payload goes as Signal {@code signal} instead (durably
   * recorded, handled when a worker is back; should the Update still arrive later, the second of the
   * two is refused by validation) and the answer is {@code null}.
   *
   * @param what the thing sent, for the errors ({@code decision}, {@code extension})
   * @throws LoopConflictException when the loop has ended or refuses it
   */
  private <T> T updateOrSignal(String id, String what, java.util.function.Supplier<T> update, String signal, Object payload) {
    WorkflowExecutionDescription d = executions.describe(id);
    if (d.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw new LoopConflictException("loop " + id + " has ended (" + Executions.shortStatus(d.getStatus()) + "); no " + what
          + " can be sent");
    }
    T answer;
    try {
      answer = workers.withinWorkerWait(update);
    } catch (WorkflowUpdateException e) {
      throw new LoopConflictException(failureMessage(e, "the loop refused the " + what));
    } catch (WorkflowNotFoundException e) {
      throw new LoopConflictException("loop " + id + " has ended; no " + what + " can be sent");
    }
    if (answer == null) {
      client.newUntypedWorkflowStub(id).signal(signal, payload);
    }
    return answer;
  }

  /** Sends the {@code rollback} Update and waits for it to be applied. */
  RollbackResult rollback(String id, RollbackRequest request) {
    var loop = executions.running(id);
    workers.require("a rollback");
    try {
      return loop.rollback(request);
    } catch (WorkflowUpdateException e) {
      throw new LoopConflictException(failureMessage(e, "the loop refused the rollback"));
    }
  }

  void pause(String id) {
    executions.running(id).pause();
  }

  void resume(String id) {
    executions.running(id).resume();
  }

  void addNote(String id, NoteRequest note) {
    executions.running(id).addNote(new Note(redaction.apply(note.text()), caller(note.author()), null));
  }

  void cancel(String id) {
    executions.running(id);
    client.newUntypedWorkflowStub(id).cancel();
  }

  /** The authenticated caller's name, or {@code otherwise} when the request carries none. */
  private static String caller(String otherwise) {
    var authentication = SecurityContextHolder.getContext().getAuthentication();
    return authentication == null || !authentication.isAuthenticated() ? otherwise : authentication.getName();
  }

  /** The validator's or handler's own message, never a stack trace. */
  static String failureMessage(WorkflowUpdateException e, String otherwise) {
    Throwable cause = e.getCause();
    while (cause != null) {
      if (cause instanceof ApplicationFailure app) {
        return app.getOriginalMessage();
      }
      if (cause instanceof TemporalFailure tf && tf.getCause() == null) {
        return tf.getOriginalMessage();
      }
      cause = cause.getCause();
    }
    return otherwise;
  }
}
