package dev.durableloops.workflows;

import static dev.durableloops.workflows.Texts.shortId;

import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.TimelineRow;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.state.Verdict;
import dev.durableloops.workflows.steps.FirstRun;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;

import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * Where the loop's workspace is ({@link Versions#WORKER_AFFINITY}): {@code Prepare} clones it (first
 * run) or reconciles it to the head (later runs), on any worker; from then on workspace steps go to
 * the task queue of the worker that prepared it. When that worker is lost, the workspace is prepared
 * again on any live worker from the last checkpoint, which the git store has.
 */
final class Workspaces {

  private static final Logger log = Workflow.getLogger(Workspaces.class);

  private final LoopSpec spec;
  private final LoopProgress state;
  /** Who started the loop, as the API signed it; checked by the worker in every Prepare. */
  private final StartGrant grant;
  /**
   * The loop whose fan-out started this one ({@link FanOut}), as Temporal records the parent; {@code null}
   * for a loop started any other way. Read from the run's start, so it adds no command.
   */
  private static String parent() {
    return Workflow.getInfo().getParentWorkflowId().map(LoopIds::storeName).orElse(null);
  }

  /** What this run was started with from outside, or {@code null} in a run the workflow continued. */
  private final FirstRun firstRun;

  Workspaces(LoopSpec spec, LoopProgress state, StartGrant grant, FirstRun firstRun) {
    this.spec = spec;
    this.state = state;
    this.grant = grant;
    this.firstRun = firstRun;
  }

  /** Prepares the run's workspace: a clone on the first run, else reconciled to the head. */
  void prepare() {
    Versions.mark(Versions.WORKER_AFFINITY);
    if (spec.discover() != null) {
      Versions.mark(Versions.BACKLOG);
    }
    PrepareResult prepared;
    if (state.baseCommit() == null) {
      prepared = Steps.step("clone " + spec.workspace().repository(), Steps.PREPARE_TIMEOUT, false)
          .prepare(new PrepareInput(state.loopId(), spec.workspace(), null, null, spec, grant, firstRun, parent()));
      state.prepared(prepared.baseCommit(), prepared.commit());
    } else {
      prepared = Steps.step("reconcile workspace to " + shortId(state.headCommit()), Steps.PREPARE_TIMEOUT, false)
          .prepare(new PrepareInput(state.loopId(), spec.workspace(), state.headCommit(), state.forkedFrom(), spec, grant, firstRun, parent()));
    }
    state.host(prepared.taskQueue(), prepared.heartbeatTimeout());
    state.sandbox(prepared.sandbox());
  }

  /**
   * Prepares a fresh workspace on any live worker from the head after the worker holding it was
   * lost; the interrupted iteration is recorded and its attempt thrown away.
   *
   * @param enter enters {@link Phase#PREPARE} (and publishes it)
   */
  void move(ActivityFailure lost, java.util.function.Consumer<Phase> enter) {
    String why = "worker " + state.taskQueue() + " was lost during " + lost.getActivityType() + "; the workspace is prepared again on "
        + "another worker from " + shortId(state.headCommit());
    state.timeline().record(TimelineRow.event(state.iteration(), Verdict.REJECT, why));
    log.warn("loop {}: {}", state.loopId(), why);
    enter.accept(Phase.PREPARE);
    PrepareResult prepared = Steps.step("move: reconcile a new workspace to " + shortId(state.headCommit()), Steps.PREPARE_TIMEOUT, false)
        .prepare(new PrepareInput(state.loopId(), spec.workspace(), state.headCommit(), null, spec, grant, firstRun, parent()));
    state.host(prepared.taskQueue(), prepared.heartbeatTimeout());
    state.sandbox(prepared.sandbox());
  }

  /**
   * Runs a step on the worker holding the workspace; when that worker is lost, the workspace is
   * prepared again on a live one ({@link #move}) and the step runs again there. Only for steps that
   * may run twice ({@code Land} is idempotent: a landing the lost worker finished is found, not
   * repeated); any other failure is thrown.
   *
   * @param enter enters {@link Phase#PREPARE} (and publishes it) when the workspace moves
   */
  <T> T onHost(java.util.function.Supplier<T> step, java.util.function.Consumer<Phase> enter) {
    while (true) {
      try {
        return step.get();
      } catch (ActivityFailure e) {
        if (Interruption.of(e, state.taskQueue(), null, false) instanceof Interruption.WorkerLost lost) {
          move(lost.failure(), enter);
          continue;
        }
        throw e;
      }
    }
  }

  /** What this run was started with from outside ({@link FirstRun}), or {@code null} in a run the workflow continued. */
  static FirstRun firstRun(LoopInput input) {
    return startedFromOutside() ? new FirstRun(input.carried(), input.fork()) : null;
  }

  /**
   * Whether this run's input came from outside the workflow: a first run, and also a retry or a
   * cron run, which Temporal starts again with the first run's input. Only continue-as-new hands a
   * run the workflow's own state. Read from the run's start event, so it replays alike and adds no
   * command.
   */
  private static boolean startedFromOutside() {
    io.temporal.workflow.WorkflowInfo info = Workflow.getInfo();
    return info.getContinuedExecutionRunId().isEmpty() || info.getAttempt() > 1
        || (info.getCronSchedule() != null && !info.getCronSchedule().isEmpty());
  }
}
