package dev.durableloops.workflows;

import static dev.durableloops.workflows.Steps.commandOr;
import static dev.durableloops.workflows.Texts.shortId;
import static dev.durableloops.workflows.Texts.truncate;

import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.BacklogTask;
import dev.durableloops.workflows.state.FleetState;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.state.TimelineRow;
import dev.durableloops.workflows.state.Verdict;
import dev.durableloops.workflows.steps.DiscoverInput;
import dev.durableloops.workflows.steps.DiscoverResult;
import dev.durableloops.workflows.steps.Task;

import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A backlog fanned out to child loops ({@code fanOut}; DESIGN.md, "Fleets"): after the parent's
 * Prepare, discover at the parent's head gives the tasks; each becomes a child {@code LoopWorkflow}
 * (id {@code <parent>-t<k>}, k counting every child started) whose spec is the parent's for that one
 * task ({@link FleetChildren#childSpec}) and which starts at the parent's head as a fork of the parent.
 * At most {@code maxParallel} run at once; cancelling the parent cancels them
 * ({@code ParentClosePolicy.REQUEST_CANCEL} and the parent's cancellation scope).
 *
 * <p>A child that ended is settled by the merge queue ({@link FleetLanding}): an accepted one lands
 * as a parent checkpoint, any other is a bounce, and its task goes back to a fresh child that starts
 * at the new head with the bounce's reflection, or is set aside after {@code caps.maxRepeatedFailures}
 * bounces. After every landing discover runs again at the new head. The fleet ends
 * {@code SUCCEEDED} when discover finds no work left, {@code STALLED} when only set-aside tasks
 * remain.
 *
 * <p>Caps: {@code maxIterations} counts the children started, and no child starts after the
 * parent's deadline; a child's own {@code maxDuration} is what is left of the parent's.
 *
 * <p>Budget: a child's cost cap ({@link FleetChildren#costCap}: a share of the parent's, or what is
 * left) is reserved against the parent's budget before it starts and settled with its real cost
 * when it ends; a child that does not fit ({@link FleetChildren#fits}) waits for running ones, and
 * with none running the fleet ends {@code CAPPED} (fail closed).
 *
 * <p>The parent's own steps ({@code Discover}, {@code Land}) run on the worker holding its
 * workspace; a lost worker's workspace is prepared again elsewhere and the step repeated
 * ({@link Workspaces#onHost}).
 *
 * <p>Durable like a single loop ({@link Versions#FLEET_DURABLE}): a rollback cancels the running
 * children and moves the branch back ({@link #rollBack}); while paused no child starts (running ones
 * go on and land); at the continue-as-new threshold no child starts and the run continues as new
 * with the fleet's state once the running ones ended; with {@code onCap: ASK} a cap that keeps the
 * next child from starting asks once for the fleet ({@link CapExtensions#ask}); with
 * {@code deliver.onCheckpoint} each landing is delivered, and its push counts only once the
 * repository is read back at the landed head, before the next landing. A delivery that fails is
 * named in the landing's row and kept in {@code deliveries}; the landing in the git store stands
 * (the store is the loop's record; the next delivery pushes the whole head), as for a single loop.
 *
 * <p>Only a loop with {@code fanOut} comes here, so a loop without one runs its commands as before.
 */
final class FanOut {

  private final LoopSpec spec;
  private final LoopProgress state;
  private final StartGrant grant;
  private final Workspaces workspaces;
  private final Consumer<Phase> phase;
  private final Runnable publish;
  private final FleetChildren children;
  private final Around around;

  /** Children running, by task id. */
  private final Map<String, Child> running = new LinkedHashMap<>();
  private final FleetBook book;
  /** Children started by every run of this loop: the next child's id is {@code <parent>-t<started+1>}. */
  private int started;
  /** Children started by this run, which {@link Around#iterationsPerRun} counts. */
  private int startedThisRun;
  /** Whether this run takes {@link Versions#FLEET_DURABLE}: rollback, pause, continue-as-new and ask. */
  private boolean durable;

  /**
   * A running child: its task (id and text), its workflow id, the cost cap it reserved of the
   * parent's budget (USD, 0 without a cost cap), its result and the scope that cancels it.
   */
  record Child(String taskId, String task, String workflowId, double reservedUsd, Promise<LoopOutcome> result,
      CancellationScope scope) {}

  /**
   * What the fleet needs of the loop around it.
   *
   * @param rollbacks the loop's rollback protocol, whose pending request the fleet applies
   * @param caps the caps in force and the protocol that asks to extend them
   * @param deliveries the loop's delivery protocol: with {@code deliver.onCheckpoint} each landing is delivered
   * @param nextRun the input of the run continue-as-new starts (the state as it stands then)
   * @param iterationsPerRun children a run starts at most before it continues as new, or {@code null}: no such limit
   */
  record Around(Rollbacks rollbacks, CapExtensions caps, Deliveries deliveries, Supplier<LoopInput> nextRun, Integer iterationsPerRun) {}

  FanOut(LoopSpec spec, LoopProgress state, StartGrant grant, Workspaces workspaces, Consumer<Phase> phase, Runnable publish,
      Around around) {
    this.spec = spec;
    this.state = state;
    this.grant = grant;
    this.workspaces = workspaces;
    this.phase = phase;
    this.publish = publish;
    this.around = around;
    this.children = new FleetChildren(spec);
    this.book = new FleetBook(state);
    // A run after continue-as-new goes on numbering children.
    started = book.fleet().children.size();
  }

  /**
   * Runs the fleet to its end; returns how it ended, or continues as new (the running children
   * ended first, so none is cancelled by the parent's run closing).
   */
  Stop run() {
    durable = Versions.since(Versions.FLEET_DURABLE, 1);
    FleetLanding landing = new FleetLanding(spec, state, book, workspaces, phase, around.deliveries(), durable);
    List<Task> found = discover();
    while (true) {
      if (durable && around.rollbacks().isPending()) {
        rollBack();
        found = discover();
        continue;
      }
      boolean paused = durable && state.paused();
      boolean renewing = durable && continueAsNewDue();
      if (!paused && !renewing) {
        startWhatFits(found);
      }
      if (durable) {
        state.status(paused ? LoopStatus.PAUSED : LoopStatus.RUNNING);
      }
      publish.run();
      if (running.isEmpty()) {
        if (paused) {
          Workflow.await(() -> !state.paused() || around.rollbacks().isPending());
          continue;
        }
        if (renewing) {
          continueAsNew();
          continue;
        }
        Stop stop = end(found);
        if (durable && stop.status() == LoopStatus.CAPPED && around.caps().caps().asks()) {
          // One ask for the whole fleet: its children never ask (their onCap is STOP).
          Stop unanswered = around.caps().ask(stop);
          if (unanswered == null) {
            continue;
          }
          return unanswered;
        }
        return stop;
      }
      phase.accept(Phase.MAKE);
      Workflow.await(() -> running.values().stream().anyMatch(c -> c.result().isCompleted())
          || (durable && (around.rollbacks().isPending() || state.paused() != paused)));
      boolean landed = false;
      for (Child child : List.copyOf(running.values())) {
        if (child.result().isCompleted()) {
          running.remove(child.taskId());
          landed |= landing.settle(child);
        }
      }
      if (landed) {
        found = discover();
      }
    }
  }

  private List<Task> discover() {
    phase.accept(Phase.DISCOVER);
    DiscoverResult discovered = workspaces.onHost(() -> Steps.step("fleet · " + commandOr(spec.discover(), "the goal is the task") + " at "
            + shortId(state.headCommit()), Steps.timeout(spec.discover()), true, state.host())
        .discover(new DiscoverInput(state.stepContext(spec, state.headCommit()), spec.discover())), phase);
    List<Task> found = discovered.found();
    for (Task t : found) {
      if (book.task(t.id()) == null) {
        state.kept().tasks.add(new BacklogTask(t.id(), t.title(), BacklogTask.Status.LEFT, 0, null, null));
      }
    }
    return found;
  }

  /** Starts children for tasks not done, set aside or running, while they fit in maxParallel and the budget. */
  private void startWhatFits(List<Task> found) {
    int maxParallel = spec.fanOut().normalized().maxParallel();
    for (Task t : found) {
      if (running.size() >= maxParallel) {
        return;
      }
      BacklogTask known = book.task(t.id());
      if (running.containsKey(t.id()) || known.status() == BacklogTask.Status.DONE || known.status() == BacklogTask.Status.SET_ASIDE) {
        continue;
      }
      if (capped() != null) {
        return;
      }
      Double cap = children.costCap(state.caps(), state.costUsd(), book.fleet().reservedUsd);
      if (!children.fits(state.caps(), cap)) {
        return;
      }
      start(t, known, cap);
    }
  }

  private void start(Task t, BacklogTask known, Double cap) {
    double reserve = cap == null ? 0 : cap;
    started++;
    state.beginIteration();
    String id = Workflow.getInfo().getWorkflowId() + "-t" + started;
    Duration left = Duration.ofMillis(Math.max(1_000, state.deadlineMillis() - Workflow.currentTimeMillis()));
    LoopSpec childSpec = children.childSpec(t.text(), state.caps(), cap, left);
    ForkSeed seed = new ForkSeed(state.loopId(), state.checkpoints().head(), state.headCommit(),
        book.bounces(t.id()), List.copyOf(state.kept().notes), null);
    LoopWorkflow stub = Workflow.newChildWorkflowStub(LoopWorkflow.class, ChildWorkflowOptions.newBuilder()
        .setWorkflowId(id)
        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
        .setStaticSummary(truncate("task " + t.title() + " of " + state.loopId(), 200))
        .setMemo(Map.of("goal", truncate(t.title(), 400)))
        .setTypedSearchAttributes(io.temporal.common.SearchAttributes.newBuilder()
            .set(LoopSearchAttributes.STATUS, LoopStatus.RUNNING.name())
            .set(LoopSearchAttributes.REPOSITORY, truncate(spec.workspace().repository(), 1000))
            .build())
        .build());
    List<Promise<LoopOutcome>> result = new ArrayList<>(1);
    // Each child in a scope of its own, so a rollback can cancel it; the parent's cancellation still reaches it.
    CancellationScope scope = Workflow.newCancellationScope(() -> result.add(Async.function(stub::run,
        LoopInput.forked(childSpec, seed).withGrant(grant))));
    scope.run();
    Workflow.getWorkflowExecution(stub).get();
    startedThisRun++;
    book.fleet().reservedUsd += reserve;
    book.fleet().children.add(new FleetState.Child(id, t.id(), "RUNNING", null, 0));
    book.replace(known.with(BacklogTask.Status.IN_PROGRESS, known.attempts() + 1, null, null));
    running.put(t.id(), new Child(t.id(), t.text(), id, reserve, result.get(0), scope));
    state.timeline().record(TimelineRow.event(state.iteration(), Verdict.ACCEPT, "started child " + id + " for task '"
        + truncate(t.title(), 200) + "' at " + shortId(state.headCommit())
        + (reserve > 0 ? String.format(" (reserved %.2f USD)", reserve) : "")));
  }

  /**
   * Applies the pending rollback ({@link Versions#FLEET_DURABLE}): the running children started from
   * a head the rollback may abandon, so they are cancelled (their makers killed) and waited for;
   * what a cancelled child spent is not known to the parent, so its reservation counts as spent
   * (fail closed), and its task is left for a fresh child. Then the branch goes back
   * ({@link Rollbacks#apply}: the workspace, and the work branch in the git store) and the tasks
   * landed by abandoned checkpoints are work again. Children's commits and the abandoned
   * checkpoints' tags stay in the store under their refs.
   */
  private void rollBack() {
    for (Child child : running.values()) {
      child.scope().cancel("the parent rolls back to checkpoint " + around.rollbacks().pending().checkpoint());
    }
    for (Child child : List.copyOf(running.values())) {
      try {
        child.result().get();
      } catch (RuntimeException cancelled) {
        // Cancelled as asked (or it failed just then): either way it does not land.
      }
      running.remove(child.taskId());
      book.fleet().reservedUsd = Math.max(0, book.fleet().reservedUsd - child.reservedUsd());
      state.spent(child.reservedUsd(), 0);
      book.child(child.workflowId(), "CANCELLED", null, child.reservedUsd());
      BacklogTask t = book.task(child.taskId());
      book.replace(t.with(BacklogTask.Status.LEFT, Math.max(0, t.attempts() - 1), null, null));
      state.timeline().record(TimelineRow.event(state.iteration(), Verdict.REJECT, "cancelled child " + child.workflowId()
          + " for the rollback to checkpoint " + around.rollbacks().pending().checkpoint()
          + (child.reservedUsd() > 0 ? String.format(" (its reserved %.2f USD counted as spent)", child.reservedUsd()) : "")));
    }
    workspaces.onHost(() -> {
      around.rollbacks().apply(state, phase);
      return null;
    }, phase);
  }

  /**
   * Whether this run should end in continue-as-new ({@link Versions#FLEET_DURABLE}): Temporal
   * suggests it, the history passed {@link LoopWorkflowImpl#MAX_HISTORY_EVENTS}, or this run started
   * {@link Around#iterationsPerRun} children. No child starts then; the run continues as new once
   * the running ones ended, since a child's {@code REQUEST_CANCEL} parent-close policy would cancel
   * it when this run closes.
   */
  private boolean continueAsNewDue() {
    return Workflow.getInfo().isContinueAsNewSuggested()
        || Workflow.getInfo().getHistoryLength() > LoopWorkflowImpl.MAX_HISTORY_EVENTS
        || (around.iterationsPerRun() != null && startedThisRun >= around.iterationsPerRun());
  }

  /** Continues as new with the state (fleet included), after any Update in flight finished; returns when a rollback came first. */
  private void continueAsNew() {
    Workflow.await(() -> Workflow.isEveryHandlerFinished() || around.rollbacks().isPending());
    if (around.rollbacks().isPending()) {
      return;
    }
    state.compact();
    Workflow.continueAsNew(around.nextRun().get());
  }

  /** Why no further child may start: the parent's maxIterations (children started) or its deadline; else {@code null}. */
  private Stop capped() {
    if (state.iteration() >= state.caps().maxIterations()) {
      return new Stop(LoopStatus.CAPPED, "reached maxIterations=" + state.caps().maxIterations() + " (children started)");
    }
    if (Workflow.currentTimeMillis() >= state.deadlineMillis()) {
      return new Stop(LoopStatus.CAPPED, "reached maxDuration=" + state.caps().maxDuration());
    }
    return null;
  }

  private Stop end(List<Task> found) {
    long done = state.kept().tasks.stream().filter(t -> t.status() == BacklogTask.Status.DONE).count();
    long aside = found.stream().map(t -> book.task(t.id())).filter(t -> t.status() == BacklogTask.Status.SET_ASIDE).count();
    long waiting = found.stream().map(t -> book.task(t.id())).filter(t -> t.status() == BacklogTask.Status.LEFT).count();
    if (waiting > 0 && capped() != null) {
      Stop capped = capped();
      return new Stop(capped.status(), capped.reason() + "; " + done + " task(s) landed, " + waiting + " not started");
    }
    if (waiting > 0) {
      return new Stop(LoopStatus.CAPPED, "the fleet's budget has no room for another child (maxCostUsd="
          + state.caps().maxCostUsd() + ", used " + String.format("%.2f", state.costUsd()) + "); " + done + " task(s) landed");
    }
    if (aside > 0) {
      return new Stop(LoopStatus.STALLED, "every task discover still finds was set aside (" + aside + "); " + done + " task(s) landed");
    }
    return new Stop(LoopStatus.SUCCEEDED, "discover found no work left: " + done + " task(s) landed");
  }

}
