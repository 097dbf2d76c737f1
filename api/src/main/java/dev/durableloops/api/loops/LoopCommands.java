package dev.durableloops.api.loops;

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
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import org.springframework.security.core.context.SecurityContextHolder;
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

  LoopCommands(WorkflowClient client, Executions executions, WorkerProbe workers) {
    this.client = client;
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
    Decision decision = new Decision(asSent.decision(), asSent.diffHash(), asSent.comment(), caller(asSent.by()));
    WorkflowExecutionDescription d = executions.describe(id);
    if (d.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw new LoopConflictException("loop " + id + " has ended (" + Executions.shortStatus(d.getStatus()) + "); no decision can be sent");
    }
    DecisionResult result;
    try {
      result = workers.withinWorkerWait(() -> executions.running(id).decide(decision));
    } catch (WorkflowUpdateException e) {
      throw new LoopConflictException(failureMessage(e, "the loop refused the decision"));
    } catch (WorkflowNotFoundException e) {
      throw new LoopConflictException("loop " + id + " has ended; no decision can be sent");
    }
    if (result == null) {
      // No worker answered: the Signal is durably recorded now and handled when one is back. Should
      // the Update still reach the workflow later, the second of the two is refused by validation.
      client.newUntypedWorkflowStub(id).signal("decision", decision);
    }
    return result;
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
        caller(asSent.by()), asSent.reason());
    WorkflowExecutionDescription d = executions.describe(id);
    if (d.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw new LoopConflictException("loop " + id + " has ended (" + Executions.shortStatus(d.getStatus()) + "); its budget cannot be extended");
    }
    Budget budget;
    try {
      budget = workers.withinWorkerWait(() -> executions.running(id).extend(extension));
    } catch (WorkflowUpdateException e) {
      throw new LoopConflictException(failureMessage(e, "the loop refused the extension"));
    }
    if (budget == null) {
      client.newUntypedWorkflowStub(id).signal("extendBudget", extension);
    }
    return budget;
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
    executions.running(id).addNote(new Note(note.text(), caller(note.author()), null));
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
