package dev.durableloops.workflows;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;

/**
 * The loop workflow. State lives in fields; the workspace is reconciled to the commits named here,
 * so Temporal's retries, worker moves and Reset stay safe.
 */
public class LoopWorkflowImpl implements LoopWorkflow {

  /** Heartbeat timeout of command-running activities; they heartbeat every 2 s. */
  static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);

  /** Time added to a command's own timeout for the activity around it (clone, restore, commit). */
  static final Duration STEP_MARGIN = Duration.ofMinutes(2);

  /** At most this many iteration records are kept in state (older ones are in the history). */
  static final int MAX_TIMELINE = 200;

  /** At most this many checkpoints are kept in state; older ones keep their tags. */
  static final int MAX_CHECKPOINTS = 200;

  /** Reflections kept whole when state is carried over; older ones are folded into a summary. */
  static final int KEEP_REFLECTIONS = 20;

  /** Continue-as-new once a run's history has this many events, even unsuggested. */
  static final int MAX_HISTORY_EVENTS = 10_000;

  /** Signature of the reflection that summarizes folded older reflections. */
  static final String SUMMARY_SIGNATURE = "summary";

  private static final Logger log = Workflow.getLogger(LoopWorkflowImpl.class);

  private static final RetryOptions RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2.0)
          .setMaximumInterval(Duration.ofSeconds(30))
          .setMaximumAttempts(6)
          .setDoNotRetry(Arrays.stream(LoopErrorType.values()).map(Enum::name).toArray(String[]::new))
          .build();

  private LoopSpec spec;
  private String loopId;
  private LoopStatus status = LoopStatus.RUNNING;
  private Phase phase = Phase.PREPARE;
  private int iteration;
  private String baseCommit;
  private String headCommit;
  private final List<Checkpoint> checkpoints = new ArrayList<>();
  private final List<Reflection> reflections = new ArrayList<>();
  private final List<Note> notes = new ArrayList<>();
  private final List<IterationRecord> timeline = new ArrayList<>();
  private List<CheckEvidence> lastEvidence = List.of();
  private PendingDecision pending;
  private Decision humanDecision;
  private String lastDecisionOutcome;
  private double costUsd;
  private long tokens;
  private long startedAtMillis;
  private long deadlineMillis;
  private int repeatedFailures;
  private String lastSignature;
  private Double bestMetric;
  private String stopReason;
  private boolean paused;
  private long phaseSinceMillis;
  private Integer iterationsPerRun;
  private int runStartIteration;
  private CancellationScope iterationScope;
  private RollbackRequest rollbackRequest;
  private int rollbacksRequested;
  private int rollbacksApplied;
  private RollbackResult lastRollback;
  private LoopStatus upsertedStatus;
  private long upsertedIteration = -1;
  private double upsertedCost = -1;

  @Override
  public LoopOutcome run(LoopInput input) {
    loopId = Workflow.getInfo().getWorkflowId();
    spec = input.spec().normalized();
    iterationsPerRun = input.iterationsPerRun();
    if (input.carried() != null && input.carried().budget() != null) {
      restore(input.carried());
    } else {
      if (input.carried() != null) {
        // A fork: state seeded from another loop's checkpoint, with a budget of its own.
        restore(input.carried());
      }
      startedAtMillis = Workflow.currentTimeMillis();
      deadlineMillis = startedAtMillis + spec.caps().maxDurationValue().toMillis();
    }
    try {
      return loop();
    } catch (CanceledFailure e) {
      throw cancelled(e);
    } catch (ActivityFailure e) {
      if (e.getCause() instanceof CanceledFailure canceled) {
        throw cancelled(canceled);
      }
      status = LoopStatus.FAILED;
      phase = Phase.DONE;
      stopReason = describe(e);
      publish();
      throw ApplicationFailure.newNonRetryableFailure(stopReason, "LoopFailed");
    }
  }

  private CanceledFailure cancelled(CanceledFailure e) {
    status = LoopStatus.CANCELLED;
    phase = Phase.DONE;
    stopReason = "cancelled";
    pending = null;
    publish();
    return e;
  }

  private LoopOutcome loop() {
    publish();
    if (baseCommit == null) {
      PrepareResult prepared =
          stub("clone " + spec.workspace().repository(), Duration.ofMinutes(30), false)
              .prepare(new PrepareInput(loopId, spec.workspace(), null));
      baseCommit = prepared.baseCommit();
      headCommit = prepared.commit();
    } else {
      stub("reconcile workspace to " + shortId(headCommit), Duration.ofMinutes(30), false)
          .prepare(new PrepareInput(loopId, spec.workspace(), headCommit));
    }
    runStartIteration = iteration;
    while (true) {
      if (rollbackRequest != null) {
        applyRollback();
      }
      String capReason = capReached();
      if (capReason != null) {
        return stop(capReason.startsWith("stalled") ? LoopStatus.STALLED : LoopStatus.CAPPED, capReason);
      }
      if (paused) {
        status = LoopStatus.PAUSED;
        publish();
        Workflow.await(() -> !paused || rollbackRequest != null);
        status = LoopStatus.RUNNING;
        if (rollbackRequest != null) {
          continue;
        }
      }
      iteration++;
      LoopOutcome[] outcome = new LoopOutcome[1];
      iterationScope = Workflow.newCancellationScope(() -> outcome[0] = iterate());
      try {
        iterationScope.run();
      } catch (CanceledFailure | ActivityFailure e) {
        if (rollbackRequest == null || CancellationScope.current().isCancelRequested()) {
          throw e;
        }
        // The iteration was cancelled for a rollback; applyRollback records it at the loop's top.
        abandoned();
        continue;
      } finally {
        iterationScope = null;
      }
      if (outcome[0] != null) {
        return outcome[0];
      }
      if (shouldContinueAsNew()) {
        Workflow.await(Workflow::isEveryHandlerFinished);
        if (rollbackRequest == null) {
          compact();
          log.info("continue-as-new after iteration {}", iteration);
          Workflow.continueAsNew(new LoopInput(spec, snapshot(), iterationsPerRun));
        }
      }
    }
  }

  private boolean shouldContinueAsNew() {
    return Workflow.getInfo().isContinueAsNewSuggested()
        || Workflow.getInfo().getHistoryLength() > MAX_HISTORY_EVENTS
        || (iterationsPerRun != null && iteration - runStartIteration >= iterationsPerRun);
  }

  /** Records an iteration that a rollback cancelled; its attempt is thrown away. */
  private void abandoned() {
    pending = null;
    humanDecision = null;
    status = paused ? LoopStatus.PAUSED : LoopStatus.RUNNING;
    timeline.add(new IterationRecord(iteration, null, null, null, 0, null, 0, List.of(), Verdict.REJECT,
        "abandoned: rollback to checkpoint " + rollbackRequest.checkpoint() + " requested", null));
    trimTimeline();
  }

  private void applyRollback() {
    RollbackRequest request = rollbackRequest;
    int target = request.checkpoint();
    Checkpoint to = target == 0 ? null : checkpoints.stream().filter(c -> c.number() == target).findFirst().orElseThrow();
    String commit = to == null ? baseCommit : to.commit();
    phase(Phase.ROLLBACK);
    stub("to " + (to == null ? "the base commit " : "cp-" + target + " ") + shortId(commit), STEP_MARGIN, false)
        .rollback(new RollbackInput(loopId, commit));
    List<Integer> marked = new ArrayList<>();
    for (int i = 0; i < checkpoints.size(); i++) {
      Checkpoint c = checkpoints.get(i);
      if (c.number() > target && !c.rolledBack()) {
        checkpoints.set(i, c.withRolledBack());
        marked.add(c.number());
      }
    }
    headCommit = commit;
    bestMetric = to == null ? null : to.metric();
    repeatedFailures = 0;
    lastSignature = null;
    String why = request.reason() == null || request.reason().isBlank() ? "no reason given" : request.reason().strip();
    reflections.add(new Reflection(iteration,
        "Rolled back to " + (to == null ? "the base commit" : "checkpoint " + target) + " (" + shortId(commit) + "): " + why + "."
            + (marked.isEmpty() ? "" : " Checkpoints " + marked + " were abandoned; what was learned on that path is kept above."),
        null, false));
    lastRollback = new RollbackResult(target, commit, List.copyOf(marked), iteration);
    rollbackRequest = null;
    rollbacksApplied++;
    log.info("rolled back to checkpoint {} ({}): {}", target, commit, why);
    phase(Phase.DISCOVER);
  }

  /** Folds old reflections into one summary so the state carried by continue-as-new stays bounded. */
  private void compact() {
    if (reflections.size() > KEEP_REFLECTIONS) {
      List<Reflection> old = new ArrayList<>(reflections.subList(0, reflections.size() - KEEP_REFLECTIONS));
      List<Reflection> recent = new ArrayList<>(reflections.subList(reflections.size() - KEEP_REFLECTIONS, reflections.size()));
      reflections.clear();
      reflections.add(Compaction.summarize(old));
      reflections.addAll(recent);
    }
    while (checkpoints.size() > MAX_CHECKPOINTS) {
      checkpoints.remove(0);
    }
  }

  /** One iteration; returns an outcome when the loop is done. */
  private LoopOutcome iterate() {
    String n = "iteration " + iteration + " · ";
    StepContext atHead = context(headCommit);

    phase(Phase.DISCOVER);
    DiscoverResult discovered =
        stub(n + commandOr(spec.discover(), "the goal is the task"), stepTimeout(spec.discover()), true)
            .discover(new DiscoverInput(atHead, spec.discover()));
    if (discovered.task() == null) {
      return stop(LoopStatus.SUCCEEDED, "discover found no work left");
    }

    phase(Phase.PLAN);
    stub(n + commandOr(spec.plan(), "built-in prompt"), stepTimeout(spec.plan()), true)
        .plan(new PlanInput(atHead, discovered.task(), spec.plan(), memory()));

    phase(Phase.MAKE);
    MakeResult made =
        stub(n + spec.make().command(), spec.make().timeoutDuration().plus(STEP_MARGIN), true)
            .make(new MakeInput(atHead, spec.make()));
    costUsd += made.costUsd();
    tokens += made.tokens();

    phase(Phase.CHECK);
    StepContext atAttempt = context(made.attemptCommit());
    Duration checksTimeout =
        spec.checks().stream().map(CheckSpec::timeoutDuration).reduce(STEP_MARGIN, Duration::plus);
    CheckResult checked =
        stub(n + String.join(", ", spec.checks().stream().map(CheckSpec::name).toList()), checksTimeout, true)
            .check(new CheckInput(atAttempt, spec.checks()));
    lastEvidence = checked.evidence();

    phase(Phase.GATE);
    MetricSpec metric = metricSpec();
    GateResult gated =
        stub(n + spec.gate().approval() + (spec.review() == null ? "" : " · review " + spec.review().command()),
                stepTimeout(spec.review()), true)
            .gate(new GateInput(atAttempt, spec.gate(), spec.review(), made, checked, metric, bestMetric));

    Verdict verdict = gated.verdict();
    String reason = gated.reason();
    String humanComment = null;
    if (verdict == Verdict.ASK_HUMAN) {
      Decision decision = awaitDecision(made, gated);
      if (decision == null) {
        verdict = Verdict.REJECT;
        reason = lastDecisionOutcome;
      } else {
        verdict = decision.decision() == DecisionKind.APPROVE ? Verdict.ACCEPT : Verdict.REJECT;
        reason = lastDecisionOutcome;
        humanComment = decision.comment();
      }
    }

    Integer checkpointNumber = null;
    if (verdict == Verdict.ACCEPT) {
      phase(Phase.CHECKPOINT);
      int number = nextCheckpointNumber();
      CheckpointResult cp =
          stub(n + "cp-" + number + " at " + shortId(made.attemptCommit()), STEP_MARGIN, false)
              .checkpoint(new CheckpointInput(loopId, number, made.attemptCommit()));
      headCommit = cp.commit();
      if (checked.metric() != null && metric != null) {
        bestMetric = checked.metric();
      }
      checkpoints.add(
          new Checkpoint(number, iteration, cp.commit(), cp.tag(), now(), costUsd, reflections.size(), checked.metric(), false));
      checkpointNumber = number;
      repeatedFailures = 0;
      lastSignature = null;
    } else {
      phase(Phase.DISCARD);
      stub(n + "back to " + shortId(headCommit), STEP_MARGIN, false)
          .discard(new DiscardInput(loopId, headCommit));
    }
    record(discovered.task(), made, checked, verdict, reason, checkpointNumber);
    if (rollbackRequest != null) {
      // A rollback arrived while this iteration finished; it is applied before the next one.
      return null;
    }

    if (verdict == Verdict.ACCEPT) {
      boolean verified =
          metric != null && metric.target() != null ? metric.reachesTarget(bestMetric) : checked.requiredPassed() && metric == null;
      if (verified) {
        return stop(LoopStatus.SUCCEEDED, "verification holds at checkpoint " + checkpointNumber + ": " + reason);
      }
      phase(Phase.DISCOVER);
      return null;
    }

    phase(Phase.REFLECT);
    String signature = (made.succeeded() ? "" : "make:" + made.exitCode() + "/")
        + (checked.failureSignature() == null ? "checks-passed" : checked.failureSignature());
    boolean repeated = signature.equals(lastSignature);
    repeatedFailures = repeated ? repeatedFailures + 1 : 1;
    lastSignature = signature;
    ReflectResult note =
        stub(n + commandOr(spec.reflect(), "built-in note") + (repeated ? " · repeated failure" : ""),
                stepTimeout(spec.reflect()), true)
            .reflect(
                new ReflectInput(
                    context(headCommit),
                    spec.reflect(),
                    discovered.task(),
                    made,
                    checked,
                    gated,
                    reason,
                    humanComment,
                    repeated,
                    repeatedFailures));
    reflections.add(new Reflection(iteration, note.text(), signature, repeated));
    phase(Phase.DISCOVER);
    return null;
  }

  /** Waits for a human; returns the decision, or {@code null} when the timeout rejected it. */
  private Decision awaitDecision(MakeResult made, GateResult gated) {
    phase(Phase.APPROVAL);
    Duration timeout = spec.gate().approvalTimeoutDuration();
    long remaining = deadlineMillis - Workflow.currentTimeMillis();
    boolean deadlineFirst = remaining < timeout.toMillis();
    Duration wait = deadlineFirst ? Duration.ofMillis(Math.max(remaining, 0)) : timeout;
    pending =
        new PendingDecision(
            iteration,
            made.attemptCommit(),
            made.diffHash(),
            made.diffStat(),
            gated.passed(),
            Instant.ofEpochMilli(Workflow.currentTimeMillis() + wait.toMillis()).toString());
    humanDecision = null;
    status = LoopStatus.AWAITING_APPROVAL;
    publish();
    boolean decided = Workflow.await(wait, () -> humanDecision != null);
    if (!decided && !deadlineFirst && spec.gate().onApprovalTimeout() == ApprovalTimeoutAction.PAUSE) {
      status = LoopStatus.PAUSED;
      pending = new PendingDecision(pending.iteration(), pending.attemptCommit(), pending.diffHash(), pending.diffStat(), pending.checksPassed(), null);
      log.info("approval for iteration {} timed out after {}; pausing until a decision", iteration, timeout);
      publish();
      long left = deadlineMillis - Workflow.currentTimeMillis();
      decided = Workflow.await(Duration.ofMillis(Math.max(left, 0)), () -> humanDecision != null);
      deadlineFirst = !decided;
    }
    Decision decision = humanDecision;
    pending = null;
    humanDecision = null;
    status = LoopStatus.RUNNING;
    if (decided && decision != null) {
      String by = decision.by() == null || decision.by().isBlank() ? "a human" : decision.by();
      lastDecisionOutcome =
          (decision.decision() == DecisionKind.APPROVE ? "approved by " : "rejected by ")
              + by
              + (gated.passed() ? "" : " (the gate had failed: " + gated.reason() + ")")
              + (decision.comment() == null || decision.comment().isBlank() ? "" : ": " + decision.comment());
      publish();
      return decision;
    }
    lastDecisionOutcome =
        deadlineFirst
            ? "the loop's maxDuration " + spec.caps().maxDuration() + " ended while waiting for approval of iteration " + iteration + "; attempt rejected"
            : "no decision within approvalTimeout " + spec.gate().approvalTimeout() + " for iteration " + iteration + "; attempt rejected (onApprovalTimeout=REJECT)";
    log.info(lastDecisionOutcome);
    publish();
    return null;
  }

  @Override
  public LoopState state() {
    return snapshot();
  }

  @Override
  public DecisionResult decide(Decision decision) {
    humanDecision = decision;
    return new DecisionResult(
        pending.iteration(),
        decision.decision(),
        decision.decision() == DecisionKind.APPROVE
            ? "approved; the attempt becomes the next checkpoint"
            : "rejected; the workspace goes back to the last checkpoint and the loop reflects");
  }

  @Override
  public void validateDecide(Decision decision) {
    String problem = decisionProblem(decision);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  @Override
  public void decision(Decision decision) {
    String problem = decisionProblem(decision);
    if (problem != null) {
      log.warn("decision signal ignored: {}", problem);
      return;
    }
    humanDecision = decision;
  }

  private String decisionProblem(Decision decision) {
    if (decision == null || decision.decision() == null) {
      return "a decision needs \"decision\": APPROVE or REJECT";
    }
    if (pending == null || humanDecision != null) {
      return "no decision is pending"
          + (lastDecisionOutcome == null ? "" : "; the last one was: " + lastDecisionOutcome);
    }
    if (decision.diffHash() == null || !decision.diffHash().equals(pending.diffHash())) {
      return "the decision names diff " + decision.diffHash() + " but the pending attempt of iteration "
          + pending.iteration() + " has diff " + pending.diffHash();
    }
    return null;
  }

  @Override
  public LoopSpec spec() {
    return spec;
  }

  @Override
  public RollbackResult rollback(RollbackRequest request) {
    rollbackRequest = request;
    int ticket = ++rollbacksRequested;
    if (iterationScope != null) {
      iterationScope.cancel("rollback to checkpoint " + request.checkpoint());
    }
    Workflow.await(() -> rollbacksApplied >= ticket);
    return lastRollback;
  }

  @Override
  public void validateRollback(RollbackRequest request) {
    if (request == null || request.checkpoint() == null || request.checkpoint() < 0) {
      throw new IllegalArgumentException("a rollback needs \"checkpoint\": 0 (the base commit) or a checkpoint number");
    }
    if (status.isTerminal()) {
      throw new IllegalArgumentException("the loop has ended (" + status + ")");
    }
    if (rollbackRequest != null) {
      throw new IllegalArgumentException("a rollback to checkpoint " + rollbackRequest.checkpoint() + " is already in progress");
    }
    int n = request.checkpoint();
    if (n > 0) {
      Checkpoint cp = checkpoints.stream().filter(c -> c.number() == n).findFirst().orElse(null);
      if (cp == null) {
        throw new IllegalArgumentException("there is no checkpoint " + n + "; the loop has " + checkpoints.stream()
            .filter(c -> !c.rolledBack()).map(c -> "cp-" + c.number()).toList());
      }
      if (cp.rolledBack()) {
        throw new IllegalArgumentException("checkpoint " + n + " was itself rolled back");
      }
    }
  }

  @Override
  public void pause() {
    paused = true;
  }

  @Override
  public void resume() {
    paused = false;
  }

  @Override
  public void addNote(Note note) {
    if (note == null || note.text() == null || note.text().isBlank()) {
      log.warn("empty note ignored");
      return;
    }
    notes.add(new Note(note.text(), note.author(), now()));
  }

  // ---- helpers ----

  private String capReached() {
    Caps caps = spec.caps();
    if (repeatedFailures >= caps.maxRepeatedFailures()) {
      return "stalled: the same failure (" + lastSignature + ") repeated " + repeatedFailures
          + " times in a row (maxRepeatedFailures=" + caps.maxRepeatedFailures() + ")";
    }
    if (iteration >= caps.maxIterations()) {
      return "reached maxIterations=" + caps.maxIterations();
    }
    if (Workflow.currentTimeMillis() >= deadlineMillis) {
      return "reached maxDuration=" + caps.maxDuration() + " (deadline " + Instant.ofEpochMilli(deadlineMillis) + ")";
    }
    if (caps.maxCostUsd() != null && costUsd >= caps.maxCostUsd()) {
      return String.format("reached maxCostUsd=%.2f (used %.2f)", caps.maxCostUsd(), costUsd);
    }
    return null;
  }

  private LoopOutcome stop(LoopStatus end, String reason) {
    status = end;
    phase = Phase.DONE;
    stopReason = reason;
    log.info("loop {} ended {}: {}", loopId, end, reason);
    publish();
    return new LoopOutcome(end, reason, iteration, checkpoints.size(), headCommit, costUsd);
  }

  private void phase(Phase next) {
    if (phase != next) {
      phaseSinceMillis = Workflow.currentTimeMillis();
    }
    phase = next;
    publish();
  }

  private void record(String task, MakeResult made, CheckResult checked, Verdict verdict, String reason, Integer cp) {
    List<String> checks =
        checked.evidence().stream().map(e -> e.name() + (e.passed() ? ":PASS" : ":FAIL")).toList();
    timeline.add(
        new IterationRecord(
            iteration, truncate(task, 300), made.attemptCommit(), made.diffStat(), made.exitCode(),
            truncate(made.summary(), 500), made.costUsd(), checks, verdict, truncate(reason, 500), cp));
    trimTimeline();
  }

  private void trimTimeline() {
    while (timeline.size() > MAX_TIMELINE) {
      timeline.remove(0);
    }
  }

  /** Checkpoint numbers are never reused, so a rolled-back checkpoint's tag keeps its commit. */
  private int nextCheckpointNumber() {
    return checkpoints.isEmpty() ? 1 : checkpoints.get(checkpoints.size() - 1).number() + 1;
  }

  private StepContext context(String commit) {
    return new StepContext(loopId, iteration, spec.goal(), commit, spec.env(), spec.passEnv());
  }

  private MemoryView memory() {
    return new MemoryView(status, List.copyOf(checkpoints), List.copyOf(reflections), List.copyOf(notes), lastEvidence, budget());
  }

  private Budget budget() {
    return new Budget(
        spec.caps(), iteration, costUsd, tokens, Instant.ofEpochMilli(startedAtMillis).toString(),
        Instant.ofEpochMilli(deadlineMillis).toString());
  }

  private LoopState snapshot() {
    return new LoopState(
        loopId, spec == null ? null : spec.goal(), status, phase, iteration, baseCommit, headCommit,
        List.copyOf(checkpoints), List.copyOf(reflections), List.copyOf(notes), pending,
        spec == null ? null : budget(), lastEvidence, List.copyOf(timeline), repeatedFailures, bestMetric, stopReason,
        phaseSinceMillis == 0 ? null : Instant.ofEpochMilli(phaseSinceMillis).toString());
  }

  private void restore(LoopState s) {
    paused = s.status() == LoopStatus.PAUSED;
    status = LoopStatus.RUNNING;
    iteration = s.iteration();
    baseCommit = s.baseCommit();
    headCommit = s.headCommit();
    checkpoints.addAll(s.checkpoints());
    reflections.addAll(s.reflections());
    notes.addAll(s.notes());
    timeline.addAll(s.iterations());
    lastEvidence = s.lastEvidence() == null ? List.of() : s.lastEvidence();
    restoreHistory(s);
    if (s.budget() == null) {
      return;
    }
    costUsd = s.budget().costUsd();
    tokens = s.budget().tokens();
    startedAtMillis = Instant.parse(s.budget().startedAt()).toEpochMilli();
    deadlineMillis = Instant.parse(s.budget().deadline()).toEpochMilli();
  }

  private void restoreHistory(LoopState s) {
    repeatedFailures = s.repeatedFailures();
    bestMetric = s.bestMetric();
    if (!reflections.isEmpty() && repeatedFailures > 0) {
      lastSignature = reflections.get(reflections.size() - 1).signature();
    }
  }

  /** Upserts search attributes that changed and refreshes the current-details progress table. */
  private void publish() {
    List<SearchAttributeUpdate<?>> updates = new ArrayList<>();
    if (status != upsertedStatus) {
      updates.add(LoopSearchAttributes.STATUS.valueSet(status.name()));
      upsertedStatus = status;
    }
    if (iteration != upsertedIteration) {
      updates.add(LoopSearchAttributes.ITERATION.valueSet((long) iteration));
      upsertedIteration = iteration;
    }
    if (costUsd != upsertedCost) {
      updates.add(LoopSearchAttributes.COST_USD.valueSet(costUsd));
      upsertedCost = costUsd;
    }
    if (!updates.isEmpty()) {
      Workflow.upsertTypedSearchAttributes(updates.toArray(new SearchAttributeUpdate<?>[0]));
    }
    Workflow.setCurrentDetails(ProgressTable.render(snapshot()));
  }

  private LoopActivities stub(String summary, Duration startToClose, boolean heartbeats) {
    ActivityOptions.Builder options =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(startToClose)
            .setRetryOptions(RETRY)
            .setSummary(truncate(summary, 200));
    if (heartbeats) {
      options.setHeartbeatTimeout(HEARTBEAT_TIMEOUT);
    }
    // A cancelled step (rollback, cancel) is waited for until its process group is dead, so the
    // next step never runs beside a dying maker.
    options.setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED);
    return Workflow.newActivityStub(LoopActivities.class, options.build());
  }

  private Duration stepTimeout(StepSpec step) {
    return (step == null ? Durations.parse(StepSpec.DEFAULT_TIMEOUT) : step.timeoutDuration()).plus(STEP_MARGIN);
  }

  private MetricSpec metricSpec() {
    return spec.checks().stream().map(CheckSpec::metric).filter(m -> m != null).findFirst().orElse(null);
  }

  private static String commandOr(StepSpec step, String otherwise) {
    return step == null ? otherwise : step.command();
  }

  private static String now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString();
  }

  static String shortId(String commit) {
    return commit == null ? "none" : commit.substring(0, Math.min(10, commit.length()));
  }

  static String truncate(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    return text.substring(0, max - 1) + "…";
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
