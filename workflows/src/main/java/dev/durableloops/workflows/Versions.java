package dev.durableloops.workflows;

import io.temporal.workflow.Workflow;

/**
 * The loop's version markers ({@code Workflow.getVersion}), each at its one supported version.
 *
 * <p>Policy (docs/ARCHITECTURE.md, "Versioning"): a marker's minimum supported version is raised to
 * its current version once no open loop can need the older code, and the older branch is deleted.
 * Every marker here is at version 1 with minimum 1: a loop whose history predates one of them no
 * longer replays, so an operator lets such loops finish (or resets them) before deploying
 * (docs/operations-upgrades.md). The calls stay, with min = max, so histories recorded with the
 * markers keep replaying.
 *
 * <p>A change to the iteration's command sequence adds one constant here and one
 * {@link #since(String, int)} call where the new commands begin, with the older sequence kept in the
 * {@code else} branch until its floor is raised in turn.
 */
final class Versions {

  /** Workspace steps go to the task queue of the worker that prepared the workspace. */
  static final String WORKER_AFFINITY = "worker-affinity";

  /** Backlog loops ({@code discover}): an accepted task becomes a checkpoint and the loop discovers again. */
  static final String BACKLOG = "backlog-tasks";

  /** The {@code Deliver} step when a loop succeeds (and at each checkpoint when its spec asks). */
  static final String DELIVER = "deliver";

  /** The {@code Notify} activity: approval needed, its reminder, and the loop's end. */
  static final String NOTIFY = "notify";

  /** A timer at the {@code maxDuration} deadline cancels the command step in flight. */
  static final String DEADLINE_CUTS = "deadline-cuts-step";

  /** Caps that ask ({@code onCap: ASK}) for an extension instead of stopping. */
  static final String ASK_CAPS = "ask-caps";

  /** {@code resume} on a loop an approval timeout paused waits for the decision again. */
  static final String RESUMABLE_PAUSE = "resumable-approval-pause";

  /**
   * Best-of-N iterations ({@code make.attempts} above 1): the attempts' steps in their own
   * workspaces. Reached only by specs that ask for several attempts, which no recorded history has.
   */
  static final String ATTEMPTS = "best-of-n-attempts";

  /**
   * The lean iteration (issue 23): without a discover command the goal is the task in workflow code
   * (no {@code Discover} activity); the gate's decision is workflow code ({@code GatePolicy}), with a
   * {@code Review} activity only when a reviewer is configured and the rest of the gate passed; a
   * rejected attempt is thrown away by the {@code Reflect} step, which reconciles the workspace to the
   * head first, instead of a {@code Discard} step of its own. Version 1; older runs keep the
   * {@code Gate} and {@code Discard} activities. Not part of {@link #CURRENT}: a {@link #since} branch.
   */
  static final String LEAN_ITERATION = "lean-iteration";

  /**
   * Best-of-N iterations, second version: a spec's {@code plan} command runs once per iteration (in
   * the loop's workspace) and each attempt's {@code Plan} copies its prompt instead of running it
   * again; when the gate decides without a person, an {@code attempts-selected} notification
   * carries the selection report. Branch with {@link #since}.
   */
  static final String ATTEMPTS_PLAN_ONCE = "best-of-n-plan-once";

  /**
   * Best-of-N iterations, third version: each attempt's gate is workflow code ({@link WorkflowGate},
   * a {@code Review} activity only for a configured reviewer), as the lean iteration made a single
   * attempt's: no {@code Gate} activity per attempt. Branch with {@link #since}.
   */
  static final String ATTEMPTS_LEAN_GATE = "best-of-n-lean-gate";

  /**
   * A fan-out parent ({@code fanOut}) held to the single loop's durability: rollback (running
   * children cancelled, the branch moved back), pause (no child starts), continue-as-new once the
   * running children ended, and {@code onCap: ASK} once for the fleet. Reached only by specs with
   * {@code fanOut}; no recorded history before it has one. Branch with {@link #since}.
   */
  static final String FLEET_DURABLE = "fleet-durable";

  /** The one version every marker above is at, and the minimum each supports. */
  static final int CURRENT = 1;

  private Versions() {}

  /**
   * Records (or, on replay, reads) the marker of {@code changeId} at {@link #CURRENT}, the only
   * version supported. Call it exactly where the versioned commands began when it was introduced:
   * moving the call moves the marker in new histories.
   *
   * @throws Error (Temporal's non-determinism error) when replaying a history from before the change
   */
  static void mark(String changeId) {
    Workflow.getVersion(changeId, CURRENT, CURRENT);
  }

  /**
   * For a new change: whether this run takes the commands introduced at {@code version} of
   * {@code changeId}; a run whose history predates the change ({@code DEFAULT_VERSION}) keeps the
   * older sequence until this change's floor is raised too (then it becomes a {@link #mark}).
   */
  static boolean since(String changeId, int version) {
    return Workflow.getVersion(changeId, Workflow.DEFAULT_VERSION, version) >= version;
  }
}
