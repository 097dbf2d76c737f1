package dev.durableloops.workflows.steps;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The parent's merge queue of a fan-out (DESIGN.md, "Fleets"): lands an accepted child on the
 * parent's work branch, one at a time, in the parent's workspace on the worker that holds it.
 * Activity type name {@code Land}.
 *
 * <p>Idempotent: the branch moves by a compare-and-swap of the ref in the git store, then is read
 * back; a retry that finds the store's branch already carrying the child's landed commit reports
 * it landed without landing it again.
 */
@ActivityInterface
public interface LandingActivities {

  /**
   * Merges the child's head onto the parent's head, runs the required checks on the merged result
   * and moves the parent's branch in the store to it (compare-and-swap, confirmed by reading it
   * back); a conflict or a red result lands nothing.
   */
  @ActivityMethod(name = "Land")
  LandResult land(LandInput input);
}
