package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.MetricSpec;
import dev.durableloops.workflows.state.Checkpoint;
import dev.durableloops.workflows.state.Decision;
import dev.durableloops.workflows.state.DecisionResult;
import dev.durableloops.workflows.state.BacklogTask;
import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.state.BudgetExtension;
import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.state.IterationRecord;
import dev.durableloops.workflows.state.PendingDecision;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.state.Reflection;
import dev.durableloops.workflows.state.RollbackRequest;
import dev.durableloops.workflows.state.RollbackResult;
import dev.durableloops.workflows.state.Verdict;
import dev.durableloops.workflows.steps.CheckInput;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.steps.CheckpointInput;
import dev.durableloops.workflows.steps.CheckpointResult;
import dev.durableloops.workflows.steps.DiscardInput;
import dev.durableloops.workflows.steps.DiscoverInput;
import dev.durableloops.workflows.steps.DeliverInput;
import dev.durableloops.workflows.steps.DeliverResult;
import dev.durableloops.workflows.steps.DiscoverResult;
import dev.durableloops.workflows.steps.NotifyInput;
import dev.durableloops.workflows.steps.Task;
import dev.durableloops.workflows.steps.GateInput;
import dev.durableloops.workflows.steps.GateResult;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.PlanInput;
import dev.durableloops.workflows.steps.FirstRun;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.ReflectInput;
import dev.durableloops.workflows.steps.ReflectResult;
import dev.durableloops.workflows.steps.RollbackInput;
import dev.durableloops.workflows.steps.StepContext;

import static dev.durableloops.workflows.Steps.STEP_MARGIN;
import static dev.durableloops.workflows.Steps.commandOr;
import static dev.durableloops.workflows.Steps.step;
import static dev.durableloops.workflows.Texts.shortId;
import static dev.durableloops.workflows.Texts.truncate;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;

/**
 * The loop workflow: {@link #run} prepares the workspace and iterates Discover → Plan → Make →
 * Check → Gate (→ approval) → Checkpoint or Discard → Reflect until a {@link Stop}. The state is one
 * value ({@link LoopProgress}); the approval and rollback protocols live in {@link Approvals} and
 * {@link Rollbacks}; what the Temporal UI shows is kept by {@link Visibility}. The workspace is
 * reconciled to the commits the state names, so Temporal's retries, worker moves and Reset stay
 * safe.
 */
public class LoopWorkflowImpl implements LoopWorkflow {

  /**
   * The change id of worker affinity: from version 1 on, workspace steps go to the task queue of the
   * worker that prepared the workspace, and a lost worker's loop is prepared again elsewhere.
   */
  static final String WORKER_AFFINITY = "worker-affinity";

  /**
   * Version marker of backlog loops: with a {@code discover} command, an accepted task becomes a
   * checkpoint and the loop discovers again, and a task that keeps failing is set aside. Recorded
   * only for loops with {@code discover}.
   */
  static final String BACKLOG = "backlog-tasks";

  /**
   * Version marker of the {@code Deliver} step: when a loop succeeds (and at each checkpoint when
   * its spec asks) its work is pushed as a branch of its repository and the deliver command runs.
   */
  static final String DELIVER = "deliver";

  /** Whether this run works through a backlog (see {@link #BACKLOG}). */
  private boolean backlog;

  /** Continue-as-new once a run's history has this many events, even unsuggested. */
  static final int MAX_HISTORY_EVENTS = 10_000;

  private static final Logger log = Workflow.getLogger(LoopWorkflowImpl.class);

  private final LoopSpec spec;
  private final LoopProgress state;
  private final Approvals approvals = new Approvals();
  private final Rollbacks rollbacks = new Rollbacks();
  private final Visibility visibility = new Visibility();
  private final Integer iterationsPerRun;
  /** Who started the loop, as the API signed it; checked by the worker in every Prepare. */
  private final StartGrant grant;
  /** What this run was started with from outside ({@link FirstRun}), or {@code null} in a run the workflow continued. */
  private final FirstRun firstRun;
  /** The caps in force: the spec's, as extended since (carried across continue-as-new in the budget). */
  private Caps caps;
  /** Whether an extension arrived for the current budget wait. */
  private boolean extended;
  private int runStartIteration;
  private CancellationScope iterationScope;

  /**
   * Builds the run's state from its input before any Signal, Update or Query is handled
   * ({@code @WorkflowInit}): a note or a pause sent right after the start (or with it) lands in the
   * state the loop keeps, not in a placeholder that the workflow method would replace.
   */
  @WorkflowInit
  public LoopWorkflowImpl(LoopInput input) {
    spec = input.spec().normalized();
    iterationsPerRun = input.iterationsPerRun();
    grant = input.grant();
    firstRun = startedFromOutside() ? new FirstRun(input.carried(), input.fork()) : null;
    caps = input.carried() != null && input.carried().budget() != null && input.carried().budget().limits() != null
        ? input.carried().budget().limits().normalized() : spec.caps();
    state = LoopProgress.start(
        LoopIds.storeName(Workflow.getInfo().getWorkflowId()), input, spec.caps().maxDurationValue().toMillis(),
        Workflow.currentTimeMillis());
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

  @Override
  public LoopOutcome run(LoopInput input) {
    try {
      return loop();
    } catch (CanceledFailure e) {
      throw cancelled(e);
    } catch (ActivityFailure e) {
      if (e.getCause() instanceof CanceledFailure canceled) {
        throw cancelled(canceled);
      }
      String reason = describe(e);
      state.end(LoopStatus.FAILED, reason, Workflow.currentTimeMillis());
      publish();
      notifyEnded(LoopStatus.FAILED, reason);
      throw ApplicationFailure.newNonRetryableFailure(reason, LoopErrorType.LOOP_FAILED.name());
    }
  }

  private CanceledFailure cancelled(CanceledFailure e) {
    state.end(LoopStatus.CANCELLED, "cancelled", Workflow.currentTimeMillis());
    approvals.abandon();
    publish();
    // The workflow is being cancelled: the last word goes out in a scope of its own.
    Workflow.newDetachedCancellationScope(() -> notifyEnded(LoopStatus.CANCELLED, "cancelled")).run();
    return e;
  }

  // ---- the deadline cuts the step in flight ----

  /**
   * Version marker of a {@code maxDuration} that cuts the step in flight: a timer at the deadline
   * cancels the running command step (its processes are killed) instead of letting it run past.
   */
  static final String DEADLINE_CUTS = "deadline-cuts-step";

  /** Phases whose step the deadline cuts; checkpoint, discard and delivery finish, approval waits watch the deadline themselves. */
  private static final java.util.Set<Phase> CUTTABLE =
      java.util.EnumSet.of(Phase.DISCOVER, Phase.PLAN, Phase.MAKE, Phase.CHECK, Phase.GATE, Phase.REFLECT);

  /** The deadline a timer is set for ({@code 0}: none yet). */
  private long watchedDeadline;

  /** The phase the deadline cut, or {@code null}. */
  private Phase cutPhase;

  /** Sets a timer at the current deadline (again when an extension moved it). */
  private void watchDeadline() {
    long deadline = state.deadlineMillis();
    if (deadline == watchedDeadline) {
      return;
    }
    watchedDeadline = deadline;
    Duration left = Duration.ofMillis(Math.max(deadline - Workflow.currentTimeMillis(), 0));
    Workflow.newTimer(left, TimerOptions.newBuilder().setSummary("maxDuration " + caps.maxDuration() + " ends").build())
        .thenApply(fired -> {
          if (Workflow.currentTimeMillis() >= state.deadlineMillis() && iterationScope != null && CUTTABLE.contains(state.phase())) {
            cutPhase = state.phase();
            iterationScope.cancel("maxDuration " + caps.maxDuration() + " passed during " + cutPhase);
          }
          return null;
        });
  }

  /** The iteration the deadline cut: recorded, its attempt not kept; the loop ends CAPPED. */
  private Stop cutAtDeadline() {
    String step = cutPhase.name().toLowerCase(java.util.Locale.ROOT);
    String why = "reached maxDuration=" + caps.maxDuration() + " during " + step + " (deadline "
        + Instant.ofEpochMilli(state.deadlineMillis()) + "): the step was cancelled, its processes killed, its attempt not kept";
    approvals.abandon();
    state.record(IterationRecord.event(state.iteration(), Verdict.REJECT, why));
    return new Stop(LoopStatus.CAPPED, why);
  }

  // ---- caps that ask ----

  /** Version marker of caps that ask ({@code onCap: ASK}) instead of stopping. */
  static final String ASK_CAPS = "ask-caps";

  /**
   * Waits as {@code AWAITING_BUDGET} for an {@code extend} decision after {@code capped}, for
   * {@code extendTimeout}; a person is notified.
   *
   * @return {@code null} when the budget was extended (the loop goes on), else the stop, its reason
   *     saying that no one extended it
   */
  private Stop askForBudget(Stop capped) {
    extended = false;
    state.status(LoopStatus.AWAITING_BUDGET);
    publish();
    if (notifying()) {
      Async.procedure(() -> send("budget-needed", capped.reason(), null, capped.reason()));
    }
    boolean answered = Approvals.await(caps.extendTimeoutValue(), "budget: " + capped.reason() + "; waits for an extend decision",
        () -> extended);
    if (!answered) {
      return new Stop(LoopStatus.CAPPED, capped.reason() + "; no one extended the budget within " + caps.extendTimeout());
    }
    state.status(state.paused() ? LoopStatus.PAUSED : LoopStatus.RUNNING);
    publish();
    return null;
  }

  @Override
  public Budget extend(BudgetExtension extension) {
    applyExtension(extension);
    return snapshot().budget();
  }

  @Override
  public void validateExtend(BudgetExtension extension) {
    String refusal = extensionRefusal(extension);
    if (refusal != null) {
      throw new IllegalArgumentException(refusal);
    }
  }

  @Override
  public void extendBudget(BudgetExtension extension) {
    String refusal = extensionRefusal(extension);
    if (refusal != null) {
      ignored("extendBudget", refusal);
      return;
    }
    applyExtension(extension);
  }

  /** Why an extension cannot be taken, or {@code null}. */
  private String extensionRefusal(BudgetExtension e) {
    if (state.status() != LoopStatus.AWAITING_BUDGET || extended) {
      return "the loop is not waiting for a budget extension (status " + state.status() + ")";
    }
    if (e == null || (e.maxIterations() == null && e.maxDuration() == null && e.maxCostUsd() == null)) {
      return "an extension sets maxIterations, maxDuration or maxCostUsd";
    }
    Caps next = caps.extendedBy(e.maxIterations(), e.maxDuration(), e.maxCostUsd());
    long deadline = e.maxDuration() == null ? state.deadlineMillis() : state.startedAtMillis() + next.maxDurationValue().toMillis();
    if (state.iteration() >= next.maxIterations()) {
      return "maxIterations " + next.maxIterations() + " is not above the " + state.iteration() + " iterations run";
    }
    if (Workflow.currentTimeMillis() >= deadline) {
      return "maxDuration " + next.maxDuration() + " has already passed";
    }
    if (next.maxCostUsd() != null && state.costUsd() >= next.maxCostUsd()) {
      return String.format("maxCostUsd %.2f is not above the %.2f used", next.maxCostUsd(), state.costUsd());
    }
    return null;
  }

  private void applyExtension(BudgetExtension e) {
    Caps before = caps;
    caps = caps.extendedBy(e.maxIterations(), e.maxDuration(), e.maxCostUsd());
    if (e.maxDuration() != null) {
      state.extendDeadline(caps.maxDurationValue().toMillis());
    }
    String by = e.by() == null || e.by().isBlank() ? "someone" : e.by().strip();
    String what = "budget extended by " + by + ": "
        + (e.maxIterations() == null ? "" : "maxIterations " + before.maxIterations() + " → " + caps.maxIterations() + " ")
        + (e.maxDuration() == null ? "" : "maxDuration " + before.maxDuration() + " → " + caps.maxDuration() + " ")
        + (e.maxCostUsd() == null ? "" : "maxCostUsd " + before.maxCostUsd() + " → " + caps.maxCostUsd() + " ")
        + (e.reason() == null || e.reason().isBlank() ? "" : "(" + truncate(e.reason().strip(), 300) + ")");
    state.record(IterationRecord.event(state.iteration(), null, what.strip()));
    extended = true;
  }

  // ---- notifications ----

  /**
   * Version marker of notifications: a {@code Notify} activity when a loop waits for approval,
   * before that approval times out, and when the loop ends.
   */
  static final String NOTIFY = "notify";

  private Boolean notifying;

  /** Whether this run sends notifications (asked once, where the first notification would go). */
  private boolean notifying() {
    if (notifying == null) {
      notifying = Workflow.getVersion(NOTIFY, Workflow.DEFAULT_VERSION, 1) >= 1;
    }
    return notifying;
  }

  /**
   * Announces the approval wait of {@code iteration} beside it (a workflow thread of its own, so a
   * receiver that is down never holds the loop): once the decision is pending, an
   * {@code approval-needed} event; at {@code notify.reminderAt} of the wait, if it is still
   * pending, an {@code approval-reminder}.
   */
  private void announceApproval(int iteration) {
    if (!notifying()) {
      return;
    }
    Async.procedure(() -> {
      Workflow.await(() -> approvals.pending() != null);
      PendingDecision pending = approvals.pending();
      send("approval-needed", "iteration " + iteration + " waits for approval", pending, null);
      if (pending.deadline() == null) {
        return;
      }
      long waitMillis = Instant.parse(pending.deadline()).toEpochMilli() - Workflow.currentTimeMillis();
      Duration reminder = Duration.ofMillis((long) (Math.max(waitMillis, 0) * spec.notifications().reminderAt()));
      boolean decided = Approvals.await(reminder, "approval reminder of iteration " + iteration,
          () -> approvals.pending() == null || approvals.pending().iteration() != iteration);
      if (!decided && approvals.pending() != null && approvals.pending().deadline() != null) {
        send("approval-reminder", "iteration " + iteration + " still waits; the approval times out at " + approvals.pending().deadline(),
            approvals.pending(), null);
      }
    });
  }

  /** Says the loop ended, and waits for it to be said (retried for up to an hour). */
  private void notifyEnded(LoopStatus status, String reason) {
    if (notifying()) {
      send("ended", "ended " + status, null, reason);
    }
  }

  private void send(String event, String summary, PendingDecision pending, String reason) {
    try {
      Steps.notifier(event + ": " + summary).announce(new NotifyInput(event, Workflow.getInfo().getWorkflowId(), spec.goal(),
          state.status().name(), pending != null ? pending.iteration() : state.iteration(), reason,
          pending == null ? null : pending.diffStat(), pending == null ? null : pending.deadline(), spec.notifications().webhooks()));
    } catch (ActivityFailure e) {
      if (CancellationScope.current().isCancelRequested()) {
        throw e;
      }
      log.warn("loop {}: {} notification not delivered: {}", state.loopId(), event, describe(e));
    }
  }

  private LoopOutcome loop() {
    publish();
    boolean affinity = Workflow.getVersion(WORKER_AFFINITY, Workflow.DEFAULT_VERSION, 1) >= 1;
    backlog = spec.discover() != null && Workflow.getVersion(BACKLOG, Workflow.DEFAULT_VERSION, 1) >= 1;
    PrepareResult prepared;
    if (state.baseCommit() == null) {
      prepared =
          step("clone " + spec.workspace().repository(), Steps.PREPARE_TIMEOUT, false)
              .prepare(new PrepareInput(state.loopId(), spec.workspace(), null, null, spec, grant, firstRun));
      state.prepared(prepared.baseCommit(), prepared.commit());
    } else {
      prepared =
          step("reconcile workspace to " + shortId(state.headCommit()), Steps.PREPARE_TIMEOUT, false)
              .prepare(new PrepareInput(state.loopId(), spec.workspace(), state.headCommit(), state.forkedFrom(), spec, grant, firstRun));
    }
    state.worker(affinity ? prepared.taskQueue() : null);
    state.sandbox(prepared.sandbox());
    runStartIteration = state.iteration();
    boolean cutsAtDeadline = Workflow.getVersion(DEADLINE_CUTS, Workflow.DEFAULT_VERSION, 1) >= 1;
    while (true) {
      if (rollbacks.isPending()) {
        applyRollback();
      }
      Stop capped = CapBreaker.check(caps, state, Workflow.currentTimeMillis());
      if (capped != null && capped.status() == LoopStatus.CAPPED && caps.asks()
          && Workflow.getVersion(ASK_CAPS, Workflow.DEFAULT_VERSION, 1) >= 1) {
        capped = askForBudget(capped);
      }
      if (capped != null) {
        return stop(capped);
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
      if (cutsAtDeadline) {
        watchDeadline();
      }
      state.beginIteration();
      Stop[] stop = new Stop[1];
      iterationScope = Workflow.newCancellationScope(() -> stop[0] = iterate());
      try {
        iterationScope.run();
      } catch (CanceledFailure | ActivityFailure e) {
        if (e instanceof ActivityFailure failure && workerLost(failure) && !CancellationScope.current().isCancelRequested()) {
          moveWorkspace(failure);
          continue;
        }
        if (cutPhase != null && !CancellationScope.current().isCancelRequested() && !rollbacks.isPending()) {
          return stop(cutAtDeadline());
        }
        if (!rollbacks.isPending() || CancellationScope.current().isCancelRequested()) {
          throw e;
        }
        // The iteration was cancelled for a rollback; applyRollback records it at the loop's top.
        abandoned();
        continue;
      } finally {
        iterationScope = null;
      }
      if (stop[0] != null) {
        return stop(stop[0]);
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
    StepContext atHead = context(state.headCommit());

    phase(Phase.DISCOVER);
    DiscoverResult discovered =
        at(n + commandOr(spec.discover(), "the goal is the task"), Steps.timeout(spec.discover()), true)
            .discover(new DiscoverInput(atHead, spec.discover()));
    String task;
    int taskAttempts = 0;
    if (backlog) {
      Task next = state.nextTask(discovered.found());
      if (next == null) {
        return backlogEnd(discovered);
      }
      taskAttempts = state.taskAttempted();
      task = next.text();
    } else if (discovered.task() == null) {
      return new Stop(LoopStatus.SUCCEEDED, "discover found no work left");
    } else {
      task = discovered.task();
    }

    phase(Phase.PLAN);
    at(n + commandOr(spec.plan(), "built-in prompt"), Steps.timeout(spec.plan()), true)
        .plan(new PlanInput(atHead, task, spec.plan(), state.memory(caps)));

    phase(Phase.MAKE);
    MakeResult made =
        at(n + spec.make().command(), spec.make().timeoutDuration().plus(STEP_MARGIN), true)
            .make(new MakeInput(atHead, spec.make()));
    state.spent(made.costUsd(), made.tokens());

    phase(Phase.CHECK);
    StepContext atAttempt = context(made.attemptCommit());
    Duration checksTimeout = spec.checks().stream().map(CheckSpec::timeoutDuration).reduce(STEP_MARGIN, Duration::plus);
    CheckResult checked =
        at(n + String.join(", ", spec.checks().stream().map(CheckSpec::name).toList()), checksTimeout, true)
            .check(new CheckInput(atAttempt, spec.checks()));
    state.evidence(checked.evidence());

    phase(Phase.GATE);
    MetricSpec metric = metricSpec();
    GateResult gated =
        at(n + spec.gate().approval() + (spec.review() == null ? "" : " · review " + spec.review().command()),
                Steps.timeout(spec.review()), true)
            .gate(new GateInput(atAttempt, spec.gate(), spec.review(), made, checked, metric, state.bestMetric()));

    Verdict verdict = gated.verdict();
    String reason = gated.reason();
    String humanComment = null;
    if (verdict == Verdict.ASK_HUMAN) {
      phase(Phase.APPROVAL);
      announceApproval(iteration);
      Approvals.Outcome answer = approvals.await(state, made, gated, spec.gate(), caps.maxDuration(), this::publish);
      verdict = answer.verdict();
      reason = answer.reason();
      humanComment = answer.comment();
    }

    Integer checkpointNumber = null;
    if (verdict == Verdict.ACCEPT) {
      phase(Phase.CHECKPOINT);
      int number = state.nextCheckpointNumber();
      CheckpointResult cp =
          at(n + "cp-" + number + " at " + shortId(made.attemptCommit()), STEP_MARGIN, false)
              .checkpoint(new CheckpointInput(state.loopId(), number, made.attemptCommit()));
      state.checkpointTaken(number, cp, checked.metric(), metric != null, now());
      checkpointNumber = number;
      if (spec.deliver().onCheckpoint()) {
        deliver(number, false);
      }
      if (backlog) {
        state.taskDone(number);
      }
    } else {
      phase(Phase.DISCARD);
      at(n + "back to " + shortId(state.headCommit()), STEP_MARGIN, false)
          .discard(new DiscardInput(state.loopId(), state.headCommit()));
    }
    state.record(row(task, made, checked, verdict, reason, checkpointNumber));
    if (rollbacks.isPending()) {
      // A rollback arrived while this iteration finished; it is applied before the next one.
      return null;
    }

    if (verdict == Verdict.ACCEPT && backlog) {
      // The task is done; discover says what is left.
      phase(Phase.DISCOVER);
      return null;
    }
    if (verdict == Verdict.ACCEPT) {
      boolean verified = metric != null && metric.target() != null
          ? metric.reachesTarget(state.bestMetric())
          : checked.requiredPassed() && metric == null;
      if (verified) {
        return new Stop(LoopStatus.SUCCEEDED, "verification holds at checkpoint " + checkpointNumber + ": " + reason);
      }
      phase(Phase.DISCOVER);
      return null;
    }

    phase(Phase.REFLECT);
    String signature = (made.succeeded() ? "" : "make:" + made.exitCode() + "/")
        + (checked.failureSignature() == null ? "checks-passed" : checked.failureSignature());
    boolean repeated = state.failedWith(signature);
    ReflectResult note =
        at(n + commandOr(spec.reflect(), "built-in note") + (repeated ? " · repeated failure" : ""),
                Steps.timeout(spec.reflect()), true)
            .reflect(new ReflectInput(context(state.headCommit()), spec.reflect(), task, made, checked, gated,
                reason, humanComment, repeated, state.repeatedFailures()));
    state.reflect(new Reflection(iteration, note.text(), signature, repeated));
    if (backlog && taskAttempts >= caps.maxRepeatedFailures()) {
      BacklogTask aside = state.setTaskAside("failed " + taskAttempts + " times in a row; last: " + truncate(reason, 300));
      state.reflect(new Reflection(iteration, "Set aside task '" + truncate(aside.title(), 200) + "' after " + taskAttempts
          + " failed attempts in a row (maxRepeatedFailures=" + caps.maxRepeatedFailures()
          + "); the loop goes on with the next task. Last reason: " + truncate(reason, 300), "set-aside:" + aside.id(), false));
    }
    phase(Phase.DISCOVER);
    return null;
  }

  /**
   * How a backlog loop ends when discover gave no task to work on: no tasks at all is success (no
   * work left, or none to begin with); only set-aside tasks left is a stall. A discover command
   * that failed and printed no task is a failed iteration, which the no-progress breaker counts;
   * then {@code null}.
   */
  private Stop backlogEnd(DiscoverResult discovered) {
    if (discovered.found().isEmpty() && discovered.exitCode() != 0) {
      String why = "discover failed with exit " + discovered.exitCode() + " and found no task; it runs again next iteration";
      state.failedWith("discover:" + discovered.exitCode());
      state.record(IterationRecord.event(state.iteration(), Verdict.REJECT, why));
      return null;
    }
    long done = state.tasks(BacklogTask.Status.DONE);
    long aside = state.tasks(BacklogTask.Status.SET_ASIDE);
    if (discovered.found().isEmpty()) {
      return new Stop(LoopStatus.SUCCEEDED, done == 0 && aside == 0 ? "no work: discover found no tasks"
          : "discover found no work left: " + done + " task(s) done" + (aside == 0 ? "" : ", " + aside + " set aside earlier"));
    }
    return new Stop(LoopStatus.STALLED, "every task discover still finds was set aside (" + aside + "); " + done + " task(s) done");
  }

  private boolean shouldContinueAsNew() {
    return Workflow.getInfo().isContinueAsNewSuggested()
        || Workflow.getInfo().getHistoryLength() > MAX_HISTORY_EVENTS
        || (iterationsPerRun != null && state.iteration() - runStartIteration >= iterationsPerRun);
  }

  /**
   * Whether a workspace step failed because the worker holding the workspace is gone: it stopped
   * heartbeating, or nobody picked the step up from its task queue within {@link Steps#HOST_WAIT}.
   */
  private boolean workerLost(ActivityFailure failure) {
    return state.worker() != null
        && failure.getCause() instanceof TimeoutFailure timeout
        && (timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START
            || timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
  }

  /**
   * Prepares a fresh workspace on any live worker from the last checkpoint (the git store has it)
   * after the worker that held the workspace was lost; the interrupted iteration is recorded and its
   * attempt thrown away.
   */
  private void moveWorkspace(ActivityFailure lost) {
    String from = state.worker();
    approvals.abandon();
    state.status(state.paused() ? LoopStatus.PAUSED : LoopStatus.RUNNING);
    String why = "worker " + from + " was lost during " + lost.getActivityType() + "; the workspace is prepared again on "
        + "another worker from " + shortId(state.headCommit());
    state.record(IterationRecord.event(state.iteration(), Verdict.REJECT, why));
    log.warn("loop {}: {}", state.loopId(), why);
    phase(Phase.PREPARE);
    PrepareResult prepared =
        step("move: reconcile a new workspace to " + shortId(state.headCommit()), Steps.PREPARE_TIMEOUT, false)
            .prepare(new PrepareInput(state.loopId(), spec.workspace(), state.headCommit(), null, spec, grant, firstRun));
    state.worker(prepared.taskQueue());
    state.sandbox(prepared.sandbox());
  }

  /** Records an iteration that a rollback cancelled; its attempt is thrown away. */
  private void abandoned() {
    approvals.abandon();
    state.status(state.paused() ? LoopStatus.PAUSED : LoopStatus.RUNNING);
    state.record(IterationRecord.event(state.iteration(), Verdict.REJECT,
        "abandoned: rollback to checkpoint " + rollbacks.pending().checkpoint() + " requested"));
  }

  private void applyRollback() {
    RollbackRequest request = rollbacks.pending();
    int target = request.checkpoint();
    String commit = target == 0 ? state.baseCommit() : state.checkpoint(target).commit();
    phase(Phase.ROLLBACK);
    at("to " + (target == 0 ? "the base commit " : "cp-" + target + " ") + shortId(commit), STEP_MARGIN, false)
        .rollback(new RollbackInput(state.loopId(), commit));
    String why = request.reason() == null || request.reason().isBlank() ? "no reason given" : request.reason().strip();
    rollbacks.applied(state.rollBackTo(target, commit, why));
    log.info("rolled back to checkpoint {} ({}): {}", target, commit, why);
    phase(Phase.DISCOVER);
  }

  private LoopOutcome stop(Stop stop) {
    if (stop.status() == LoopStatus.SUCCEEDED) {
      DeliverResult delivered = deliver(state.headCheckpoint(), true);
      if (delivered != null && !delivered.succeeded()) {
        stop = new Stop(LoopStatus.SUCCEEDED, stop.reason() + "; delivery failed: " + truncate(delivered.error(), 500));
      }
    }
    state.end(stop.status(), stop.reason(), Workflow.currentTimeMillis());
    log.info("loop {} ended {}: {}", state.loopId(), stop.status(), stop.reason());
    publish();
    notifyEnded(stop.status(), stop.reason());
    return new LoopOutcome(stop.status(), stop.reason(), state.iteration(), state.checkpoints().size(), state.headCommit(), state.costUsd());
  }

  /**
   * Runs {@code Deliver} for the loop's head (see {@link #DELIVER}); its result goes into the state.
   * A delivery that fails, even by a lost worker, is reported, not thrown: the loop's own result
   * stands. Cancellation still propagates.
   *
   * @return the delivery, or {@code null} when there is nothing to deliver (or the history predates it)
   */
  private DeliverResult deliver(int checkpoint, boolean onSuccess) {
    if (!spec.deliver().delivers() || Workflow.getVersion(DELIVER, Workflow.DEFAULT_VERSION, 1) < 1) {
      return null;
    }
    DeliverResult last = state.lastDelivery();
    if (onSuccess && last != null && last.succeeded() && state.headCommit().equals(last.commit())) {
      // The head was delivered at its checkpoint (onCheckpoint): once is enough.
      return last;
    }
    String branch = spec.deliver().branch() != null ? spec.deliver().branch() : "loops/" + state.loopId();
    phase(Phase.DELIVER);
    DeliverResult result;
    try {
      result = Steps.delivery("deliver " + shortId(state.headCommit()) + (Boolean.FALSE.equals(spec.deliver().push()) ? "" : " as " + branch)
              + (spec.deliver().command() == null ? "" : " · " + spec.deliver().command()),
          spec.deliver().timeoutDuration().plus(DELIVER_PUSH_LIMIT).plus(STEP_MARGIN), state.worker())
          .deliver(new DeliverInput(context(state.headCommit()), spec.workspace(), spec.deliver(), checkpoint, onSuccess));
    } catch (ActivityFailure e) {
      if (e.getCause() instanceof CanceledFailure || CancellationScope.current().isCancelRequested()) {
        throw e;
      }
      result = new DeliverResult(checkpoint, onSuccess, state.headCommit(), branch, false, null, null, null, null,
          "the Deliver step failed: " + describe(e), now());
    }
    state.delivered(result);
    publish();
    return result;
  }

  /** Time a delivery's push may take, beside its command's timeout (the worker stops a push at 5 minutes). */
  static final Duration DELIVER_PUSH_LIMIT = Duration.ofMinutes(5);

  // ---- Queries, Updates and Signals ----

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
  public DecisionResult decide(Decision decision) {
    return approvals.take(decision);
  }

  @Override
  public void validateDecide(Decision decision) {
    String problem = approvals.problem(decision);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  @Override
  public void decision(Decision decision) {
    String problem = approvals.problem(decision);
    if (problem != null) {
      ignored("decision", problem);
      return;
    }
    approvals.take(decision);
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
    String problem = rollbacks.problem(request, state);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
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
    if (note == null || note.text() == null || note.text().isBlank()) {
      ignored("addNote", "the note has no text");
      return;
    }
    if (note.text().length() > MAX_NOTE_CHARS) {
      ignored("addNote", "the note has " + note.text().length() + " characters; at most " + MAX_NOTE_CHARS);
      return;
    }
    state.note(new Note(note.text(), note.author(), now()));
  }

  /** Characters of a note at most (the API's limit too). */
  static final int MAX_NOTE_CHARS = 10_000;

  /**
   * A Signal the loop cannot take (sent from the Temporal UI or CLI, which have no validator):
   * ignored, with the reason logged and written in the loop's timeline, so whoever sent it can see why.
   */
  private void ignored(String signal, String reason) {
    log.warn("loop {}: {} signal ignored: {}", state.loopId(), signal, reason);
    state.record(IterationRecord.event(state.iteration(), null, signal + " signal ignored: " + truncate(reason, 400)));
  }

  // ---- helpers ----

  private LoopState snapshot() {
    return state.snapshot(spec.goal(), caps, approvals.pending());
  }

  private void publish() {
    visibility.publish(snapshot());
  }

  private void phase(Phase next) {
    state.phase(next, Workflow.currentTimeMillis());
    publish();
  }

  private IterationRecord row(String task, MakeResult made, CheckResult checked, Verdict verdict, String reason, Integer cp) {
    List<String> checks = checked.evidence().stream().map(e -> e.name() + (e.passed() ? ":PASS" : ":FAIL")).toList();
    return new IterationRecord(
        state.iteration(), truncate(task, 300), made.attemptCommit(), made.diffStat(), made.exitCode(),
        truncate(made.summary(), 500), made.costUsd(), checks, verdict, truncate(reason, 500), cp, checked.metric(),
        java.util.Map.of());
  }

  /** A stub for a step that needs the workspace: on the worker that holds it, when known. */
  private WorkspaceActivities at(String summary, Duration startToClose, boolean heartbeats) {
    return step(summary, startToClose, heartbeats, state.worker());
  }

  private StepContext context(String commit) {
    return new StepContext(state.loopId(), state.iteration(), spec.goal(), commit, spec.env(), spec.passEnv(), spec.sandbox());
  }

  /** The metric of the first check that has one: the gate keeps an attempt only if it beats the best. */
  private MetricSpec metricSpec() {
    return spec.checks().stream().map(CheckSpec::metric).filter(m -> m != null).findFirst().orElse(null);
  }

  private static String now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString();
  }

  private static String describe(ActivityFailure failure) {
    String step = failure.getActivityType();
    Throwable cause = failure.getCause();
    if (cause instanceof ApplicationFailure app) {
      return step + " failed (" + app.getType() + "): " + app.getOriginalMessage();
    }
    if (cause instanceof TimeoutFailure timeout) {
      return step + " timed out (" + timeout.getTimeoutType() + ") after its retries";
    }
    if (cause instanceof TemporalFailure tf) {
      return step + " failed: " + tf.getOriginalMessage();
    }
    return step + " failed: " + failure.getMessage();
  }
}
