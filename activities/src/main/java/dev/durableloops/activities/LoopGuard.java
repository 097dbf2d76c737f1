package dev.durableloops.activities;

import dev.durableloops.workflows.steps.FirstRun;
import dev.durableloops.workflows.steps.PrepareInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's own check of a loop before its first step: the spec policy ({@link SpecRules}) for
 * the starter its start grant vouches for ({@link StartGrants}), in every {@code Prepare}; and the
 * repository resolved again right before {@code Deliver} pushes to it.
 *
 * @param rules the spec policy, or {@code null} for none ({@link #NONE})
 * @param grants the start grant keys, or {@code null} for none
 */
public record LoopGuard(SpecRules rules, StartGrants grants) {

  private static final Logger log = LoggerFactory.getLogger(LoopGuard.class);

  /** No checks: for tests and the benchmark, which run activities without an installation. The app always configures one. */
  public static final LoopGuard NONE = new LoopGuard(null, null);

  /**
   * Checks the spec Prepare carries for the loop's starter; an input without a spec (not a loop's:
   * tests, the benchmark) is not checked.
   *
   * @throws StepException {@code NOT_ALLOWED} with the reason, which becomes the loop's stop reason
   */
  void admit(PrepareInput input) {
    if (rules == null || input.spec() == null) {
      return;
    }
    StartGrants.Starter starter = grants.verify(input.spec(), input.grant(), input.firstRun());
    if (starter.problem() != null && fanOutChild(input)) {
      // A fan-out's child: its spec is its parent's for one task and it starts as a fork of the parent,
      // so it carries the parent's grant; Temporal (not the input) names the parent.
      StartGrants.Starter parent = grants.verifyParentGrant(input.grant());
      starter = parent.problem() == null ? parent : starter;
    }
    if (starter.problem() != null) {
      log.warn("loop {}: its starter has no role: {}", input.loopId(), starter.problem());
      FirstRun first = input.firstRun();
      if (first != null && (first.carried() != null || first.fork() != null)) {
        // Caps, commits and another loop's seed come only from the API's signed start or the workflow's own history.
        throw new StepException(StepException.Kind.NOT_ALLOWED, "the worker refuses this loop: its first run carries "
            + (first.carried() != null ? "a state (budget, caps, commits)" : "a fork seed") + " that no start grant signs ("
            + starter.problem() + ")");
      }
    }
    try {
      rules.check(input.spec(), starter.roles());
    } catch (SpecRefusedException e) {
      throw new StepException(StepException.Kind.NOT_ALLOWED, "the worker's spec policy refuses this loop: " + e.getMessage()
          + (starter.problem() == null ? "" : " (" + starter.problem() + ", so it runs with no role)"));
    }
  }

  /** Whether the loop is a child its parent's fan-out started: a first run forked from the loop Temporal records as its parent. */
  private static boolean fanOutChild(PrepareInput input) {
    FirstRun first = input.firstRun();
    return input.parentLoopId() != null && first != null && first.carried() == null && first.fork() != null
        && input.parentLoopId().equals(first.fork().sourceLoopId());
  }

  /**
   * What Deliver pushes to: the repository checked again now, a local path with every symlink
   * resolved (so the push goes where the check looked).
   *
   * @throws StepException {@code NOT_ALLOWED} when it is no longer allowed
   */
  String deliveryTarget(String repository) {
    if (rules == null) {
      return repository;
    }
    try {
      return rules.checkRepository(repository);
    } catch (SpecRefusedException e) {
      throw new StepException(StepException.Kind.NOT_ALLOWED, "refusing to push: " + e.getMessage());
    }
  }
}
