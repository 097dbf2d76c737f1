package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.state.CarriedState;
import dev.durableloops.workflows.state.CheckEvidence;
import dev.durableloops.workflows.state.LiveState;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.state.PendingDecision;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.state.Reflection;
import dev.durableloops.workflows.steps.DeliverResult;
import dev.durableloops.workflows.steps.MemoryView;
import dev.durableloops.workflows.steps.StepContext;
import dev.durableloops.workflows.spec.LoopSpec;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.workflow.Workflow;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The loop's state as one value: what the loop has done and learned, and where it stands. The
 * workflow changes it only through the named transitions below; {@link #snapshot} is the
 * {@code state} Query's answer and the state continue-as-new carries, and {@link #restore} reads it
 * back, so the mapping between the two lives here once.
 *
 * <p>Bounded for days of running: at most {@value Timeline#MAX_ROWS} timeline rows, and, at
 * continue-as-new, at most {@value #MAX_CHECKPOINTS} checkpoints and {@value #KEEP_REFLECTIONS}
 * whole reflections (older ones folded into one summary by {@link Compaction}).
 *
 * <p>Parts of the state with a job of their own have their own classes, reached from here:
 * {@link Timeline} (the phase, step times and timeline rows), {@link Checkpoints} (taking one,
 * rolling back to one) and {@link Backlog} (a backlog loop's tasks).
 */
final class LoopProgress {

  /** At most this many checkpoints are kept in state; older ones keep their tags. */
  static final int MAX_CHECKPOINTS = 200;

  /** Reflections kept whole when state is carried over; older ones are folded into a summary. */
  static final int KEEP_REFLECTIONS = 20;

  private final String loopId;
  private LoopStatus status = LoopStatus.RUNNING;
  private int iteration;
  private String stopReason;
  /** The worker holding the workspace, as its last {@code Prepare} in this run reported it ({@link #host()}). */
  private Host host;
  /** What continue-as-new carries; this run's own copy, changed in place. */
  private final CarriedState kept;
  /** What only readers need; afresh in every run. */
  private final LiveState live = new LiveState();
  private final Backlog backlog = new Backlog(this);
  private final Timeline timeline = new Timeline(this, live);
  private final Checkpoints checkpoints = new Checkpoints(this);

  // Not in the state: derived from it, or needed by this run only.
  private boolean paused;
  private String lastSignature;
  private String forkedFrom;

  private LoopProgress(String loopId, CarriedState kept) {
    this.loopId = loopId;
    this.kept = kept;
  }

  /**
   * The state a run starts from: carried over by continue-as-new, seeded by a fork, or fresh.
   *
   * @param loopId the workflow id
   * @param input the run's input
   * @param spec the loop's spec (normalized); its caps are in force unless the carried state has extended ones
   * @param nowMillis workflow time, epoch milliseconds
   */
  static LoopProgress start(String loopId, LoopInput input, LoopSpec spec, long nowMillis) {
    Caps caps = spec.caps();
    LoopState carried = input.carried();
    LoopProgress p = new LoopProgress(loopId, carried == null ? new CarriedState() : copy(carried.carried()));
    p.live.goal = spec.goal();
    if (carried != null) {
      p.restore(carried);
      if (p.kept.budget != null) {
        Caps limits = p.kept.budget.limits();
        p.kept.budget = p.kept.budget.withLimits(limits == null ? caps : limits.normalized()).withIterations(p.iteration);
        return p;
      }
      // A fork from before ForkSeed existed: seeded state without a budget; it starts its own.
    } else if (input.fork() != null) {
      p.seed(input.fork());
    }
    if (carried == null && input.rules() != null) {
      p.kept.rules.addAll(input.rules());
    }
    p.kept.budget = Budget.starting(caps, nowMillis, caps.maxDurationValue().toMillis()).withIterations(p.iteration);
    return p;
  }

  /**
   * A copy of the input's carried part, through the JSON Temporal reads it from: the input stays as
   * the run was started with it ({@link dev.durableloops.workflows.steps.FirstRun} is hashed).
   */
  private static CarriedState copy(CarriedState carried) {
    DataConverter json = DefaultDataConverter.STANDARD_INSTANCE;
    return json.fromPayload(json.toPayload(carried).orElseThrow(), CarriedState.class, CarriedState.class);
  }

  /** Takes what the previous run carried; lists older runs lacked become empty. */
  private void restore(LoopState s) {
    paused = s.status() == LoopStatus.PAUSED;
    iteration = s.iteration();
    kept.tasks = kept.tasks == null ? new ArrayList<>() : kept.tasks;
    kept.deliveries = kept.deliveries == null ? new ArrayList<>() : kept.deliveries;
    kept.rules = kept.rules == null ? new ArrayList<>() : kept.rules;
    kept.lastEvidence = kept.lastEvidence == null ? List.of() : kept.lastEvidence;
    kept.reflectionsWritten = Math.max(kept.reflectionsWritten, kept.reflections.size());
    if (!kept.reflections.isEmpty() && kept.repeatedFailures > 0) {
      lastSignature = kept.reflections.get(kept.reflections.size() - 1).signature();
    }
  }

  private void seed(ForkSeed fork) {
    forkedFrom = fork.sourceLoopId();
    kept.baseCommit = fork.commit();
    kept.headCommit = fork.commit();
    kept.reflections.addAll(fork.reflections());
    kept.reflections.add(new Reflection(0, "Forked from loop " + fork.sourceLoopId() + " at "
        + (fork.checkpoint() == 0 ? "its base commit" : "checkpoint " + fork.checkpoint()) + " (" + fork.commit() + ").", null, false));
    kept.reflectionsWritten = kept.reflections.size();
    kept.notes.addAll(fork.notes());
    kept.bestMetric = fork.bestMetric();
  }

  /**
   * The state as the {@code state} Query answers it and continue-as-new carries it: this run's own
   * parts, which Temporal writes out at once.
   *
   * @param pending the attempt waiting for a human, or {@code null}
   */
  LoopState snapshot(PendingDecision pending) {
    live.pendingDecision = pending;
    return new LoopState(loopId, status, iteration, stopReason, kept, live);
  }

  /** The caps in force. */
  Caps caps() {
    return kept.budget.limits();
  }

  /** Puts {@code caps} in force (a budget extension). */
  void caps(Caps caps) {
    kept.budget = kept.budget.withLimits(caps);
  }

  /** A backlog loop's tasks. */
  Backlog backlog() {
    return backlog;
  }

  /** The phase, the current iteration's step times and the timeline rows. */
  Timeline timeline() {
    return timeline;
  }

  /** The checkpoints: taking one, finding one, rolling back to one. */
  Checkpoints checkpoints() {
    return checkpoints;
  }

  /**
   * What continue-as-new carries, for the classes that keep parts of it ({@link Backlog},
   * {@link Timeline}, {@link Checkpoints}).
   */
  CarriedState kept() {
    return kept;
  }

  // ---- deliveries ----

  /** Deliveries kept in the state at most (the newest). */
  static final int MAX_DELIVERIES = 20;

  /** Records a delivery. */
  void delivered(DeliverResult result) {
    kept.deliveries.add(result);
    while (kept.deliveries.size() > MAX_DELIVERIES) {
      kept.deliveries.remove(0);
    }
  }

  /** The newest delivery, or {@code null}. */
  DeliverResult lastDelivery() {
    return kept.deliveries.isEmpty() ? null : kept.deliveries.get(kept.deliveries.size() - 1);
  }

  /** The part of the state projected into the memory files and the prompt; its budget has the caps in force. */
  MemoryView memory() {
    return new MemoryView(status, List.copyOf(kept.checkpoints), List.copyOf(kept.reflections), List.copyOf(kept.notes), kept.lastEvidence,
        kept.budget, List.copyOf(kept.rules));
  }

  // ---- where the loop stands ----

  String loopId() {
    return loopId;
  }

  LoopStatus status() {
    return status;
  }

  void status(LoopStatus next) {
    status = next;
  }

  boolean paused() {
    return paused;
  }

  void paused(boolean value) {
    paused = value;
  }

  int iteration() {
    return iteration;
  }

  /** Starts the next iteration. */
  void beginIteration() {
    iteration++;
    kept.budget = kept.budget.withIterations(iteration);
    timeline.newIteration();
  }

  String baseCommit() {
    return kept.baseCommit;
  }

  String headCommit() {
    return kept.headCommit;
  }

  /**
   * The loop this run's fork started from, or {@code null}: its refs in the git store hold the
   * commit the first Prepare starts at. Not carried over: after the first Prepare the fork's own
   * refs hold it.
   */
  String forkedFrom() {
    return forkedFrom;
  }

  /** The task queue of the worker holding the workspace, or {@code null}: any worker. */
  String taskQueue() {
    return live.taskQueue;
  }

  /**
   * Records which worker holds the workspace now, as its {@code Prepare} reported it: its own task
   * queue (or {@code null}) and the heartbeat timeout it asks for ({@link Host#of}).
   */
  void host(String taskQueue, String heartbeatTimeout) {
    live.taskQueue = taskQueue;
    host = Host.of(taskQueue, heartbeatTimeout);
  }

  /**
   * The worker holding the workspace, where its steps go. Not kept in the live state: every run
   * prepares its workspace first, and {@link #host(String, String)} sets it again then.
   */
  Host host() {
    return host == null ? Host.ANY : host;
  }

  /** Records how the worker that prepared the workspace confines commands, when it says. */
  void sandbox(String description) {
    if (description != null) {
      kept.sandbox = description;
    }
  }

  /** Records the workspace the first Prepare made: the base commit and the commit it is at. */
  void prepared(String base, String head) {
    kept.baseCommit = base;
    kept.headCommit = head;
  }

  /** Ends the loop at {@code nowMillis} (workflow time); the step in progress gets its time. */
  void end(LoopStatus end, String reason, long nowMillis) {
    status = end;
    timeline.enter(Phase.DONE, nowMillis);
    stopReason = reason;
  }

  // ---- budget and breaker ----

  double costUsd() {
    return kept.budget.costUsd();
  }

  /** Moves the deadline to {@code maxDurationMillis} after the loop's start (a budget extension). */
  void extendDeadline(long maxDurationMillis) {
    kept.budget = kept.budget.withDeadline(kept.budget.startedAtMillis() + maxDurationMillis);
  }

  long startedAtMillis() {
    return kept.budget.startedAtMillis();
  }

  long deadlineMillis() {
    return kept.budget.deadlineMillis();
  }

  int repeatedFailures() {
    return kept.repeatedFailures;
  }

  String lastSignature() {
    return lastSignature;
  }

  Double bestMetric() {
    return kept.bestMetric;
  }

  /** Adds what a maker reported spending. */
  void spent(double usd, long tokenCount) {
    kept.budget = kept.budget.spent(usd, tokenCount);
  }

  /**
   * Counts a rejected iteration's failure signature for the no-progress breaker.
   *
   * @return whether it repeats the previous rejected iteration's signature
   */
  boolean failedWith(String signature) {
    boolean repeated = signature.equals(lastSignature);
    kept.repeatedFailures = repeated ? kept.repeatedFailures + 1 : 1;
    lastSignature = signature;
    return repeated;
  }

  /** Resets the no-progress breaker. */
  void progressMade() {
    kept.repeatedFailures = 0;
    lastSignature = null;
  }

  // ---- evidence, reflections, notes ----

  void evidence(List<CheckEvidence> evidence) {
    kept.lastEvidence = evidence;
  }

  /** Adds a reflection. */
  void reflect(Reflection reflection) {
    kept.reflections.add(reflection);
    kept.reflectionsWritten++;
  }

  /** Adds a human note. */
  void note(Note note) {
    kept.notes.add(note);
  }

  /**
   * Folds old reflections into one summary and drops checkpoints beyond {@value #MAX_CHECKPOINTS},
   * so the state carried by continue-as-new stays bounded ({@link Compaction#compact}).
   */
  void compact() {
    Compaction.compact(kept, KEEP_REFLECTIONS, MAX_CHECKPOINTS);
  }

  /**
   * What a fork from checkpoint {@code number} starts with ({@link Compaction#forkSeed}).
   *
   * @return the seed, or {@code null} when there is no such checkpoint
   */
  ForkSeed forkSeed(int number) {
    return Compaction.forkSeed(loopId, kept, number);
  }

  /** What a fork from attempt {@code attempt} of iteration {@code iteration} starts with ({@link AttemptForks#seed}), or {@code null}. */
  ForkSeed attemptForkSeed(int iteration, int attempt) {
    return AttemptForks.seed(loopId, kept, iteration, attempt);
  }

  // ---- what steps are told ----

  /** What a step at {@code commit} is told of the loop. */
  StepContext stepContext(LoopSpec spec, String commit) {
    return new StepContext(loopId, iteration, spec.goal(), commit, spec.env(), spec.passEnv(), spec.sandbox());
  }

  /** Workflow time as an ISO-8601 instant. */
  String now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString();
  }
}
