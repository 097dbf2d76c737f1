package dev.durableloops.workflows;

import static dev.durableloops.workflows.Steps.STEP_MARGIN;
import static dev.durableloops.workflows.Steps.commandOr;
import static dev.durableloops.workflows.Texts.shortId;
import static dev.durableloops.workflows.Texts.truncate;

import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.MetricSpec;
import dev.durableloops.workflows.state.BacklogTask;
import dev.durableloops.workflows.state.TimelineRow;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.state.Reflection;
import dev.durableloops.workflows.state.Verdict;
import dev.durableloops.workflows.steps.CheckInput;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.steps.CheckpointInput;
import dev.durableloops.workflows.steps.CheckpointResult;
import dev.durableloops.workflows.steps.DiscardInput;
import dev.durableloops.workflows.steps.DiscoverInput;
import dev.durableloops.workflows.steps.DiscoverResult;
import dev.durableloops.workflows.steps.GateInput;
import dev.durableloops.workflows.steps.GateResult;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.PlanInput;
import dev.durableloops.workflows.steps.ReflectInput;
import dev.durableloops.workflows.steps.ReflectResult;
import dev.durableloops.workflows.steps.StepContext;
import dev.durableloops.workflows.steps.Task;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;

/**
 * The loop workflow: {@link #run} prepares the workspace and iterates Discover → Plan → Make →
 * Check → Gate (→ approval) → Checkpoint or Discard → Reflect until a {@link Stop}. The state is one
 * value ({@link LoopProgress}); each protocol around the iteration has its own class: approvals
 * ({@link Approvals}), rollbacks ({@link Rollbacks}), the deadline ({@link Deadline}), notifications
 * ({@link Notifications}), delivery ({@link Deliveries}), cap extensions ({@link CapExtensions}) and
 * the workspace's worker ({@link Workspaces}); why an iteration stopped early is an
 * {@link Interruption}. The workspace is reconciled to the commits the state names, so Temporal's
 * retries, worker moves and Reset stay safe. Version markers: {@link Versions}.
 */
public class LoopWorkflowImpl extends LoopMessages {

  /**
   * Continue-as-new once a run's history has this many events, even unsuggested. Temporal suggests
   * it earlier by default ({@code limit.historyCount.suggestContinueAsNew}, 4,096 events, or
   * {@code limit.historySize.suggestContinueAsNew}, 4 MiB), and the loop follows the suggestion.
   */
  public static final int MAX_HISTORY_EVENTS = 10_000;

  private static final Logger log = Workflow.getLogger(LoopWorkflowImpl.class);

  private final Integer iterationsPerRun;
  private final StartGrant grant;
  private final Deliveries deliveries;
  private final Workspaces workspaces;
  private final Deadline deadline;
  private final Endings endings;
  private int runStartIteration;

  /**
   * Builds the run's state from its input before any Signal, Update or Query is handled
   * ({@code @WorkflowInit}): a note or a pause sent right after the start (or with it) lands in the
   * state the loop keeps, not in a placeholder that the workflow method would replace.
   */
  @WorkflowInit
  public LoopWorkflowImpl(LoopInput input) {
    super(input);
    iterationsPerRun = input.iterationsPerRun();
    grant = input.grant();
    deliveries = new Deliveries(spec, state, this::phase, this::publish);
    workspaces = new Workspaces(spec, state, grant, Workspaces.firstRun(input));
    deadline = new Deadline(state, () -> iterationScope);
    endings = new Endings(state, approvals, deliveries, notifications, this::publish);
  }

  @Override
  public LoopOutcome run(LoopInput input) {
    try {
      return loop();
    } catch (CanceledFailure e) {
      throw endings.cancelled(e);
    } catch (ActivityFailure e) {
      throw e.getCause() instanceof CanceledFailure canceled ? endings.cancelled(canceled) : endings.failed(e);
    }
  }

  private LoopOutcome loop() {
    publish();
    workspaces.prepare();
    if (spec.fanOut() != null) {
      // A fleet (FanOut): children work the backlog; a loop without fanOut never comes here.
      return endings.stop(new FanOut(spec, state, grant, workspaces, this::phase, this::publish, new FanOut.Around(rollbacks, caps, deliveries,
          () -> new LoopInput(spec, snapshot(), iterationsPerRun).withGrant(grant), iterationsPerRun)).run());
    }
    runStartIteration = state.iteration();
    Deadline.mark();
    while (true) {
      if (rollbacks.isPending()) {
        rollbacks.apply(state, this::phase);
      }
      Stop capped = caps.check();
      if (capped != null) {
        return endings.stop(capped);
      }
      if (state.paused()) {
        state.status(LoopStatus.PAUSED);
        publish();
        Workflow.await(() -> !state.paused() || rollbacks.isPending());
        state.status(LoopStatus.RUNNING);
        if (rollbacks.isPending()) {
          continue;
        }
      }
      deadline.watch(() -> caps.caps().maxDuration());
      state.beginIteration();
      Stop[] stop = new Stop[1];
      iterationScope = Workflow.newCancellationScope(() -> stop[0] = iterate());
      try {
        iterationScope.run();
      } catch (CanceledFailure | ActivityFailure e) {
        Interruption interruption = Interruption.of(e, state.taskQueue(), deadline.cut(), rollbacks.isPending());
        if (interruption instanceof Interruption.WorkerLost lost) {
          abandonIteration();
          workspaces.move(lost.failure(), this::phase);
          continue;
        }
        if (interruption instanceof Interruption.DeadlineCut cut) {
          String why = deadline.reason(cut.phase(), caps.caps().maxDuration());
          approvals.abandon();
          state.timeline().record(TimelineRow.event(state.iteration(), Verdict.REJECT, why));
          return endings.stop(new Stop(LoopStatus.CAPPED, why));
        }
        if (interruption instanceof Interruption.RollbackRequested) {
          // The rollback itself is applied (and recorded) at the loop's top.
          abandonIteration();
          state.timeline().record(TimelineRow.event(state.iteration(), Verdict.REJECT,
              "abandoned: rollback to checkpoint " + rollbacks.pending().checkpoint() + " requested"));
          continue;
        }
        throw ((Interruption.Unhandled) interruption).failure();
      } finally {
        iterationScope = null;
      }
      if (stop[0] != null) {
        return endings.stop(stop[0]);
      }
      if (shouldContinueAsNew()) {
        // A rollback Update waits for the loop to apply it: waiting for it to finish would deadlock.
        Workflow.await(() -> Workflow.isEveryHandlerFinished() || rollbacks.isPending());
        if (!rollbacks.isPending()) {
          state.compact();
          log.info("continue-as-new after iteration {}", state.iteration());
          Workflow.continueAsNew(new LoopInput(spec, snapshot(), iterationsPerRun).withGrant(grant));
        }
      }
    }
  }

  /** One iteration; returns a stop when the loop is done. */
  private Stop iterate() {
    int iteration = state.iteration();
    String n = "iteration " + iteration + " · ";
    // Issue 23: no Discover activity without a discover command, no Gate activity without a reviewer,
    // no Discard step (Reflect throws the attempt away).
    boolean lean = Versions.since(Versions.LEAN_ITERATION, 1);
    StepContext atHead = state.stepContext(spec, state.headCommit());

    phase(Phase.DISCOVER);
    // Without a discover command the goal is the task: workflow code since the lean iteration, no activity.
    DiscoverResult discovered = lean && spec.discover() == null
        ? new DiscoverResult(List.of(spec.goal()), spec.goal(), 0, null, null)
        : at(n + commandOr(spec.discover(), "the goal is the task"), Steps.timeout(spec.discover()), true)
            .discover(new DiscoverInput(atHead, spec.discover()));
    String task;
    int taskAttempts = 0;
    if (spec.discover() != null) {
      Task next = state.backlog().nextTask(discovered.found());
      if (next == null) {
        return state.backlog().backlogEnd(discovered);
      }
      taskAttempts = state.backlog().taskAttempted();
      task = next.text();
    } else if (discovered.task() == null) {
      return new Stop(LoopStatus.SUCCEEDED, "discover found no work left");
    } else {
      task = discovered.task();
    }

    phase(Phase.PLAN);
    at(n + commandOr(spec.plan(), "built-in prompt"), Steps.timeout(spec.plan()), true)
        .plan(new PlanInput(atHead, task, spec.plan(), state.memory()));

    MakeResult made;
    CheckResult checked;
    MetricSpec metric;
    GateResult gated;
    Attempts.Outcome attempts = null;
    if (Attempts.several(spec)) {
      // Best-of-N: new commands, reached only by specs with several attempts.
      phase(Phase.MAKE);
      metric = spec.checks().stream().map(CheckSpec::metric).filter(m -> m != null).findFirst().orElse(null);
      attempts = new Attempts(spec, state, caps::caps, notifications).run(n, task, metric);
      Attempts.Result kept = attempts.winner();
      if (kept == null) {
        state.timeline().record(TimelineRow.event(iteration, Verdict.REJECT, "no attempt finished: " + attempts.report().attempts()
            .stream().map(a -> "attempt " + a.attempt() + " " + a.note()).toList()).withSelection(attempts.report()));
        return null;
      }
      made = kept.made();
      checked = kept.checked();
      state.evidence(checked.evidence());
      phase(Phase.GATE);
      gated = kept.gated();
    } else {
      phase(Phase.MAKE);
      made = at(n + spec.make().command(), spec.make().timeoutDuration().plus(STEP_MARGIN), true)
          .make(new MakeInput(atHead, spec.make().step()));
      state.spent(made.costUsd(), made.tokens());

      phase(Phase.CHECK);
      StepContext atAttempt = state.stepContext(spec, made.attemptCommit());
      Duration checksTimeout = spec.checks().stream().map(CheckSpec::timeoutDuration).reduce(STEP_MARGIN, Duration::plus);
      checked = at(n + String.join(", ", spec.checks().stream().map(CheckSpec::name).toList()), checksTimeout, true)
          .check(new CheckInput(atAttempt, spec.checks()));
      state.evidence(checked.evidence());

      phase(Phase.GATE);
      metric = spec.checks().stream().map(CheckSpec::metric).filter(m -> m != null).findFirst().orElse(null);
      GateInput gate = new GateInput(atAttempt, spec.gate(), spec.review(), made, checked, metric, state.bestMetric());
      gated = lean ? gate(n, gate)
          : at(n + spec.gate().approval() + (spec.review() == null ? "" : " · review " + spec.review().command()),
              Steps.timeout(spec.review()), true).gate(gate);
    }

    Verdict verdict = gated.verdict();
    String reason = gated.reason();
    String humanComment = null;
    if (verdict == Verdict.ASK_HUMAN) {
      phase(Phase.APPROVAL);
      notifications.approvalNeeded(iteration, approvals, attempts == null ? null : attempts.report());
      Approvals.Outcome answer = approvals.await(state, made, gated, spec.gate(), caps.caps().maxDuration(), this::publish,
          attempts == null ? null : attempts.choices());
      verdict = answer.verdict();
      reason = answer.reason();
      humanComment = answer.comment();
      Integer chosen = answer.decision() == null ? null : answer.decision().attempt();
      if (attempts != null && chosen != null && !chosen.equals(attempts.report().winner()) && attempts.of(chosen) != null) {
        // A person approved another passing attempt than the gate's pick: it becomes the iteration's.
        attempts = attempts.chosen(chosen, answer.decision().by());
        made = attempts.winner().made();
        checked = attempts.winner().checked();
        state.evidence(checked.evidence());
      }
    }

    Integer checkpointNumber = null;
    boolean discarded = false;
    if (verdict == Verdict.ACCEPT) {
      phase(Phase.CHECKPOINT);
      int number = state.checkpoints().nextNumber();
      CheckpointResult cp = at(n + "cp-" + number + " at " + shortId(made.attemptCommit()), STEP_MARGIN, false)
          .checkpoint(new CheckpointInput(state.loopId(), number, made.attemptCommit()));
      state.checkpoints().taken(number, cp, checked.metric(), metric != null, state.now());
      checkpointNumber = number;
      deliveries.atCheckpoint(number);
      if (spec.discover() != null) {
        state.backlog().taskDone(number);
      }
    } else if (!lean || rollbacks.isPending()) {
      // Since the lean iteration Reflect throws the attempt away; a pending rollback skips Reflect.
      phase(Phase.DISCARD);
      at(n + "back to " + shortId(state.headCommit()), STEP_MARGIN, false).discard(new DiscardInput(state.loopId(), state.headCommit()));
      discarded = true;
    }
    TimelineRow row = TimelineRow.attempt(iteration, task, made, checked, verdict, reason, checkpointNumber);
    state.timeline().record(attempts == null ? row : row.withSelection(attempts.report()));
    if (rollbacks.isPending()) {
      // A rollback arrived while this iteration finished; it is applied before the next one.
      return null;
    }
    if (verdict == Verdict.ACCEPT) {
      boolean verified = spec.discover() == null && (metric != null && metric.target() != null
          ? metric.reachesTarget(state.bestMetric()) : checked.requiredPassed() && metric == null);
      if (verified) {
        return new Stop(LoopStatus.SUCCEEDED, "verification holds at checkpoint " + checkpointNumber + ": " + reason);
      }
      // A backlog's task is done and discover says what is left; or the goal is not verified yet.
      phase(Phase.DISCOVER);
      return null;
    }

    phase(Phase.REFLECT);
    String signature = (made.succeeded() ? "" : "make:" + made.exitCode() + "/")
        + (checked.failureSignature() == null ? "checks-passed" : checked.failureSignature());
    boolean repeated = state.failedWith(signature);
    ReflectResult note = at(n + commandOr(spec.reflect(), "built-in note") + (repeated ? " · repeated failure" : ""),
            Steps.timeout(spec.reflect()), true)
        .reflect(new ReflectInput(state.stepContext(spec, state.headCommit()), spec.reflect(), task, made, checked, gated,
            reason, humanComment, repeated, state.repeatedFailures(), lean && !discarded));
    state.reflect(new Reflection(iteration, note.text(), signature, repeated));
    if (spec.discover() != null && taskAttempts >= caps.caps().maxRepeatedFailures()) {
      BacklogTask aside = state.backlog().setTaskAside("failed " + taskAttempts + " times in a row; last: " + truncate(reason, 300));
      state.reflect(new Reflection(iteration, "Set aside task '" + truncate(aside.title(), 200) + "' after " + taskAttempts
          + " failed attempts in a row (maxRepeatedFailures=" + caps.caps().maxRepeatedFailures()
          + "); the loop goes on with the next task. Last reason: " + truncate(reason, 300), "set-aside:" + aside.id(), false));
    }
    phase(Phase.DISCOVER);
    return null;
  }

  /** The gate as workflow code ({@link WorkflowGate}), its reviewer on the worker holding the workspace. */
  private GateResult gate(String n, GateInput input) {
    return WorkflowGate.decide(input, summary -> at(summary, Steps.timeout(input.review()), true), n);
  }

  private boolean shouldContinueAsNew() {
    return Workflow.getInfo().isContinueAsNewSuggested()
        || Workflow.getInfo().getHistoryLength() > MAX_HISTORY_EVENTS
        || (iterationsPerRun != null && state.iteration() - runStartIteration >= iterationsPerRun);
  }

  /** Forgets an interrupted iteration's pending decision; the loop runs (or stays paused). */
  private void abandonIteration() {
    approvals.abandon();
    state.status(state.paused() ? LoopStatus.PAUSED : LoopStatus.RUNNING);
  }

  /** A stub for a step that needs the workspace: on the worker that holds it. */
  private WorkspaceActivities at(String summary, Duration startToClose, boolean heartbeats) {
    return Steps.step(summary, startToClose, heartbeats, state.host());
  }
}
