package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.state.BacklogTask;
import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.state.CheckEvidence;
import dev.durableloops.workflows.state.Checkpoint;
import dev.durableloops.workflows.state.IterationRecord;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.state.PendingDecision;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.state.Reflection;
import dev.durableloops.workflows.state.RollbackResult;
import dev.durableloops.workflows.steps.CheckpointResult;
import dev.durableloops.workflows.steps.DeliverResult;
import dev.durableloops.workflows.steps.MemoryView;
import dev.durableloops.workflows.steps.Task;
import dev.durableloops.workflows.steps.StepContext;
import dev.durableloops.workflows.steps.DiscoverResult;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.Verdict;
import io.temporal.workflow.Workflow;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loop's state as one value: what the loop has done and learned, and where it stands. The
 * workflow changes it only through the named transitions below; {@link #snapshot} is the
 * {@code state} Query's answer and the state continue-as-new carries, and {@link #restore} reads it
 * back, so the mapping between the two lives here once.
 *
 * <p>Bounded for days of running: at most {@value #MAX_TIMELINE} timeline rows, and, at
 * continue-as-new, at most {@value #MAX_CHECKPOINTS} checkpoints and {@value #KEEP_REFLECTIONS}
 * whole reflections (older ones folded into one summary by {@link Compaction}).
 */
final class LoopProgress {

  /** At most this many iteration records are kept in state (older ones are in the history). */
  static final int MAX_TIMELINE = 200;

  /** At most this many checkpoints are kept in state; older ones keep their tags. */
  static final int MAX_CHECKPOINTS = 200;

  /** Reflections kept whole when state is carried over; older ones are folded into a summary. */
  static final int KEEP_REFLECTIONS = 20;

  private String loopId;
  private LoopStatus status = LoopStatus.RUNNING;
  private Phase phase = Phase.PREPARE;
  private long phaseSinceMillis;
  private boolean paused;
  private int iteration;
  private String baseCommit;
  private String headCommit;
  private final List<Checkpoint> checkpoints = new ArrayList<>();
  private final List<Reflection> reflections = new ArrayList<>();
  private int reflectionsWritten;
  private final List<Note> notes = new ArrayList<>();
  private final List<IterationRecord> timeline = new ArrayList<>();
  /** The repository's rules this loop started with. */
  private final List<String> rules = new ArrayList<>();
  /** Deliveries, oldest first. */
  private final List<DeliverResult> deliveries = new ArrayList<>();
  /** A backlog loop's tasks, in the order the state lists them. */
  private final List<BacklogTask> backlog = new ArrayList<>();
  /** Time per step of the current iteration, ms (workflow time). */
  private final java.util.Map<String, Long> stepMillis = new java.util.LinkedHashMap<>();
  private List<CheckEvidence> lastEvidence = List.of();
  private double costUsd;
  private long tokens;
  private long startedAtMillis;
  private long deadlineMillis;
  private int repeatedFailures;
  private String lastSignature;
  private Double bestMetric;
  private String stopReason;
  private String forkedFrom;
  private String worker;
  private String sandbox;

  private LoopProgress() {}

  /**
   * The state a run starts from: carried over by continue-as-new, seeded by a fork, or fresh.
   *
   * @param loopId the workflow id
   * @param input the run's input
   * @param maxDurationMillis the loop's wall-time cap, for the deadline of a loop that starts now
   * @param nowMillis workflow time, epoch milliseconds
   */
  static LoopProgress start(String loopId, LoopInput input, long maxDurationMillis, long nowMillis) {
    LoopProgress p = new LoopProgress();
    p.loopId = loopId;
    LoopState carried = input.carried();
    if (carried != null) {
      p.restore(carried);
      if (carried.budget() != null) {
        return p;
      }
      // A fork from before ForkSeed existed: seeded state without a budget; it starts its own.
    } else if (input.fork() != null) {
      p.seed(input.fork());
    }
    if (carried == null && input.rules() != null) {
      p.rules.addAll(input.rules());
    }
    p.startedAtMillis = nowMillis;
    p.deadlineMillis = nowMillis + maxDurationMillis;
    return p;
  }

  private void restore(LoopState s) {
    paused = s.status() == LoopStatus.PAUSED;
    status = LoopStatus.RUNNING;
    iteration = s.iteration();
    baseCommit = s.baseCommit();
    headCommit = s.headCommit();
    checkpoints.addAll(s.checkpoints());
    reflections.addAll(s.reflections());
    reflectionsWritten = Math.max(s.reflectionsWritten(), s.reflections().size());
    notes.addAll(s.notes());
    timeline.addAll(s.iterations());
    if (s.tasks() != null) {
      backlog.addAll(s.tasks());
    }
    if (s.deliveries() != null) {
      deliveries.addAll(s.deliveries());
    }
    if (s.rules() != null) {
      rules.addAll(s.rules());
    }
    sandbox = s.sandbox();
    lastEvidence = s.lastEvidence() == null ? List.of() : s.lastEvidence();
    repeatedFailures = s.repeatedFailures();
    bestMetric = s.bestMetric();
    if (!reflections.isEmpty() && repeatedFailures > 0) {
      lastSignature = reflections.get(reflections.size() - 1).signature();
    }
    if (s.budget() != null) {
      costUsd = s.budget().costUsd();
      tokens = s.budget().tokens();
      startedAtMillis = Instant.parse(s.budget().startedAt()).toEpochMilli();
      deadlineMillis = Instant.parse(s.budget().deadline()).toEpochMilli();
    }
  }

  private void seed(ForkSeed fork) {
    forkedFrom = fork.sourceLoopId();
    baseCommit = fork.commit();
    headCommit = fork.commit();
    reflections.addAll(fork.reflections());
    reflections.add(new Reflection(0, "Forked from loop " + fork.sourceLoopId() + " at "
        + (fork.checkpoint() == 0 ? "its base commit" : "checkpoint " + fork.checkpoint()) + " (" + fork.commit() + ").", null, false));
    reflectionsWritten = reflections.size();
    notes.addAll(fork.notes());
    bestMetric = fork.bestMetric();
  }

  /**
   * The state as the immutable record the {@code state} Query answers and continue-as-new carries.
   *
   * @param goal the loop's goal, or {@code null} before the spec is known
   * @param caps the loop's caps, or {@code null} before the spec is known (then there is no budget)
   * @param pending the attempt waiting for a human, or {@code null}
   */
  LoopState snapshot(String goal, Caps caps, PendingDecision pending) {
    return new LoopState(
        loopId, goal, status, phase, iteration, baseCommit, headCommit,
        List.copyOf(checkpoints), List.copyOf(reflections), List.copyOf(notes), pending,
        caps == null ? null : budget(caps), lastEvidence, List.copyOf(timeline), repeatedFailures, bestMetric, stopReason,
        phaseSinceMillis == 0 ? null : Instant.ofEpochMilli(phaseSinceMillis).toString(), reflectionsWritten, worker,
        List.copyOf(backlog), List.copyOf(deliveries), List.copyOf(rules), sandbox);
  }

  // ---- deliveries ----

  /** Deliveries kept in the state at most (the newest). */
  static final int MAX_DELIVERIES = 20;

  /** Records a delivery. */
  void delivered(DeliverResult result) {
    deliveries.add(result);
    while (deliveries.size() > MAX_DELIVERIES) {
      deliveries.remove(0);
    }
  }

  /** The newest delivery, or {@code null}. */
  DeliverResult lastDelivery() {
    return deliveries.isEmpty() ? null : deliveries.get(deliveries.size() - 1);
  }

  /** The number of the checkpoint at the head, {@code 0} when the head is the base commit. */
  int headCheckpoint() {
    return checkpoints.stream().filter(c -> c.commit().equals(headCommit) && !c.rolledBack()).mapToInt(Checkpoint::number).max()
        .orElse(0);
  }

  // ---- a backlog loop's tasks ----

  /**
   * Takes what discover found and picks the task to work on: the first found that is not set
   * aside. Done tasks and set-aside ones stay listed; the rest of the list becomes what was found
   * now ({@code LEFT}), attempts carried by id. Moving to another task resets the no-progress
   * breaker, which counts per task in a backlog loop.
   *
   * @return the task to work on, or {@code null} when every task found is set aside (or none was found)
   */
  Task nextTask(List<Task> found) {
    Map<String, BacklogTask> known = new LinkedHashMap<>();
    backlog.forEach(t -> known.put(t.id(), t));
    String previous = backlog.stream().filter(t -> t.status() == BacklogTask.Status.IN_PROGRESS).map(BacklogTask::id)
        .findFirst().orElse(null);
    java.util.Set<String> foundIds = new java.util.HashSet<>();
    found.forEach(t -> foundIds.add(t.id()));
    List<BacklogTask> next = new ArrayList<>();
    backlog.stream().filter(t -> t.status() == BacklogTask.Status.DONE && !foundIds.contains(t.id())).forEach(next::add);
    backlog.stream().filter(t -> t.status() == BacklogTask.Status.SET_ASIDE).forEach(next::add);
    Task chosen = null;
    for (Task t : found) {
      BacklogTask was = known.get(t.id());
      if (was != null && was.status() == BacklogTask.Status.SET_ASIDE) {
        continue;
      }
      int attempts = was == null ? 0 : was.attempts();
      BacklogTask.Status status = chosen == null ? BacklogTask.Status.IN_PROGRESS : BacklogTask.Status.LEFT;
      if (chosen == null) {
        chosen = t;
      }
      next.add(new BacklogTask(t.id(), t.title(), status, attempts, null, null));
    }
    while (next.size() > LoopState.MAX_TASKS) {
      next.remove(next.size() - 1);
    }
    backlog.clear();
    backlog.addAll(next);
    if (chosen != null && !chosen.id().equals(previous)) {
      progressMade();
    }
    return chosen;
  }

  /** Counts an iteration spent on the task in progress; returns its attempts so far. */
  int taskAttempted() {
    return updateTaskInProgress(t -> t.with(t.status(), t.attempts() + 1, null, null)).attempts();
  }

  /** The task in progress is done: checkpoint {@code checkpoint} holds it. */
  void taskDone(int checkpoint) {
    updateTaskInProgress(t -> t.with(BacklogTask.Status.DONE, t.attempts(), checkpoint, null));
  }

  /** Sets the task in progress aside for {@code reason}; the breaker starts afresh for the next task. */
  BacklogTask setTaskAside(String reason) {
    BacklogTask aside = updateTaskInProgress(t -> t.with(BacklogTask.Status.SET_ASIDE, t.attempts(), null, reason));
    progressMade();
    return aside;
  }

  /** How many tasks have the status. */
  long tasks(BacklogTask.Status status) {
    return backlog.stream().filter(t -> t.status() == status).count();
  }

  private BacklogTask updateTaskInProgress(java.util.function.UnaryOperator<BacklogTask> change) {
    for (int i = 0; i < backlog.size(); i++) {
      if (backlog.get(i).status() == BacklogTask.Status.IN_PROGRESS) {
        BacklogTask changed = change.apply(backlog.get(i));
        backlog.set(i, changed);
        return changed;
      }
    }
    throw new IllegalStateException("no task is in progress");
  }

  /** The part of the state projected into the memory files and the prompt. */
  MemoryView memory(Caps caps) {
    return new MemoryView(status, List.copyOf(checkpoints), List.copyOf(reflections), List.copyOf(notes), lastEvidence, budget(caps),
        List.copyOf(rules));
  }

  private Budget budget(Caps caps) {
    return new Budget(
        caps, iteration, costUsd, tokens, Instant.ofEpochMilli(startedAtMillis).toString(), Instant.ofEpochMilli(deadlineMillis).toString());
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

  /** The step the loop is in. */
  Phase phase() {
    return phase;
  }

  /** Enters {@code next}; the phase's start time moves only when the phase changes. */
  void phase(Phase next, long nowMillis) {
    if (phase != next) {
      if (TIMED.contains(phase) && phaseSinceMillis > 0) {
        timed(phase, nowMillis - phaseSinceMillis);
      }
      phaseSinceMillis = nowMillis;
    }
    phase = next;
  }

  /** The phases of an iteration whose time is kept in its timeline row. */
  private static final java.util.Set<Phase> TIMED = java.util.EnumSet.of(Phase.DISCOVER, Phase.PLAN, Phase.MAKE, Phase.CHECK,
      Phase.GATE, Phase.APPROVAL, Phase.CHECKPOINT, Phase.DISCARD, Phase.REFLECT, Phase.DELIVER);

  /**
   * Adds a finished phase's time to the current iteration's step times, and to its timeline row
   * when the row is already written (the checkpoint, discard and reflect steps end after it).
   */
  private void timed(Phase ended, long millis) {
    stepMillis.merge(ended.name().toLowerCase(java.util.Locale.ROOT), millis, Long::sum);
    int last = timeline.size() - 1;
    if (last >= 0 && timeline.get(last).iteration() == iteration) {
      timeline.set(last, timeline.get(last).withStepMillis(java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(stepMillis))));
    }
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
    stepMillis.clear();
  }

  String baseCommit() {
    return baseCommit;
  }

  String headCommit() {
    return headCommit;
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
  String worker() {
    return worker;
  }

  /** Records which worker holds the workspace now (its own task queue), or {@code null}. */
  void worker(String taskQueue) {
    worker = taskQueue;
  }

  /** Records how the worker that prepared the workspace confines commands, when it says. */
  void sandbox(String description) {
    if (description != null) {
      sandbox = description;
    }
  }

  /** Records the workspace the first Prepare made: the base commit and the commit it is at. */
  void prepared(String base, String head) {
    baseCommit = base;
    headCommit = head;
  }

  /** Ends the loop at {@code nowMillis} (workflow time); the step in progress gets its time. */
  void end(LoopStatus end, String reason, long nowMillis) {
    status = end;
    phase(Phase.DONE, nowMillis);
    stopReason = reason;
  }

  // ---- budget and breaker ----

  double costUsd() {
    return costUsd;
  }

  /** Moves the deadline to {@code maxDurationMillis} after the loop's start (a budget extension). */
  void extendDeadline(long maxDurationMillis) {
    deadlineMillis = startedAtMillis + maxDurationMillis;
  }

  long startedAtMillis() {
    return startedAtMillis;
  }

  long deadlineMillis() {
    return deadlineMillis;
  }

  int repeatedFailures() {
    return repeatedFailures;
  }

  String lastSignature() {
    return lastSignature;
  }

  Double bestMetric() {
    return bestMetric;
  }

  /** Adds what a maker reported spending. */
  void spent(double usd, long tokenCount) {
    costUsd += usd;
    tokens += tokenCount;
  }

  /**
   * Counts a rejected iteration's failure signature for the no-progress breaker.
   *
   * @return whether it repeats the previous rejected iteration's signature
   */
  boolean failedWith(String signature) {
    boolean repeated = signature.equals(lastSignature);
    repeatedFailures = repeated ? repeatedFailures + 1 : 1;
    lastSignature = signature;
    return repeated;
  }

  private void progressMade() {
    repeatedFailures = 0;
    lastSignature = null;
  }

  // ---- evidence, checkpoints, reflections, notes, timeline ----

  void evidence(List<CheckEvidence> evidence) {
    lastEvidence = evidence;
  }

  List<Checkpoint> checkpoints() {
    return checkpoints;
  }

  /** Checkpoint {@code number}, or {@code null} when there is none. */
  Checkpoint checkpoint(int number) {
    return checkpoints.stream().filter(c -> c.number() == number).findFirst().orElse(null);
  }

  /** Checkpoint numbers are never reused, so a rolled-back checkpoint's tag keeps its commit. */
  int nextCheckpointNumber() {
    return checkpoints.isEmpty() ? 1 : checkpoints.get(checkpoints.size() - 1).number() + 1;
  }

  /**
   * Records an accepted attempt as checkpoint {@code number}: the head moves to it and the
   * no-progress breaker resets.
   *
   * @param metric the attempt's metric, or {@code null}
   * @param metricCounts whether the loop has a metric (only then does it become the best)
   * @param at ISO-8601 instant (workflow time)
   */
  void checkpointTaken(int number, CheckpointResult cp, Double metric, boolean metricCounts, String at) {
    headCommit = cp.commit();
    if (metric != null && metricCounts) {
      bestMetric = metric;
    }
    checkpoints.add(new Checkpoint(number, iteration, cp.commit(), cp.tag(), at, costUsd, reflectionsWritten, metric, false));
    progressMade();
  }

  /** Adds a reflection. */
  void reflect(Reflection reflection) {
    reflections.add(reflection);
    reflectionsWritten++;
  }

  /** Adds a human note. */
  void note(Note note) {
    notes.add(note);
  }

  /** Appends a timeline row, dropping the oldest beyond {@value #MAX_TIMELINE}. */
  void record(IterationRecord row) {
    timeline.add(row.withStepMillis(java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(stepMillis))));
    while (timeline.size() > MAX_TIMELINE) {
      timeline.remove(0);
    }
  }

  /**
   * Moves the state back to checkpoint {@code target} ({@code 0}: the base commit): later
   * checkpoints are marked rolled back, the best metric is the target's, the breaker resets, and a
   * reflection records why.
   *
   * @param commit the target's commit, already restored in the workspace
   */
  RollbackResult rollBackTo(int target, String commit, String reason) {
    Checkpoint to = target == 0 ? null : checkpoint(target);
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
    // Tasks finished by abandoned checkpoints are work again.
    backlog.replaceAll(t -> t.status() == BacklogTask.Status.DONE && t.checkpoint() != null && t.checkpoint() > target
        ? t.with(BacklogTask.Status.LEFT, t.attempts(), null, null) : t);
    progressMade();
    reflect(new Reflection(iteration,
        "Rolled back to " + (to == null ? "the base commit" : "checkpoint " + target) + " (" + Texts.shortId(commit) + "): " + reason + "."
            + (marked.isEmpty() ? "" : " Checkpoints " + marked + " were abandoned; what was learned on that path is kept above."),
        null, false));
    return new RollbackResult(target, commit, List.copyOf(marked), iteration);
  }

  /**
   * Folds old reflections into one summary and drops checkpoints beyond {@value #MAX_CHECKPOINTS},
   * so the state carried by continue-as-new stays bounded. {@link #reflectionsWritten} is kept, so
   * checkpoints still know which reflections were theirs.
   */
  void compact() {
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

  /**
   * What a fork from checkpoint {@code number} starts with.
   *
   * @return the seed, or {@code null} when there is no such checkpoint
   */
  ForkSeed forkSeed(int number) {
    if (number == 0) {
      return new ForkSeed(loopId, 0, baseCommit, List.of(), List.copyOf(notes), null);
    }
    Checkpoint cp = checkpoint(number);
    if (cp == null) {
      return null;
    }
    return new ForkSeed(loopId, number, cp.commit(), reflectionsUpTo(cp.reflections()), List.copyOf(notes), cp.metric());
  }

  /**
   * The reflections among the first {@code count} written. The reflection at list index {@code i}
   * was the {@code reflectionsWritten - (size - 1 - i)}-th written; a compaction summary at index 0
   * stands for all written before the next one and is kept whenever any of them counts.
   */
  List<Reflection> reflectionsUpTo(int count) {
    List<Reflection> kept = new ArrayList<>();
    int size = reflections.size();
    for (int i = 0; i < size; i++) {
      Reflection r = reflections.get(i);
      int ordinal = reflectionsWritten - (size - 1 - i);
      boolean summary = i == 0 && Compaction.isSummary(r);
      if (ordinal <= count || (summary && count > 0)) {
        kept.add(r);
      }
    }
    return List.copyOf(kept);
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

  /**
   * How a backlog loop ends when discover gave no task to work on: no tasks at all is success (no
   * work left, or none to begin with); only set-aside tasks left is a stall. A discover command
   * that failed and printed no task is a failed iteration, which the no-progress breaker counts;
   * then {@code null}.
   */
  Stop backlogEnd(DiscoverResult discovered) {
    if (discovered.found().isEmpty() && discovered.exitCode() != 0) {
      String why = "discover failed with exit " + discovered.exitCode() + " and found no task; it runs again next iteration";
      failedWith("discover:" + discovered.exitCode());
      record(IterationRecord.event(iteration, Verdict.REJECT, why));
      return null;
    }
    long done = tasks(BacklogTask.Status.DONE);
    long aside = tasks(BacklogTask.Status.SET_ASIDE);
    if (discovered.found().isEmpty()) {
      return new Stop(LoopStatus.SUCCEEDED, done == 0 && aside == 0 ? "no work: discover found no tasks"
          : "discover found no work left: " + done + " task(s) done" + (aside == 0 ? "" : ", " + aside + " set aside earlier"));
    }
    return new Stop(LoopStatus.STALLED, "every task discover still finds was set aside (" + aside + "); " + done + " task(s) done");
  }
}
