package dev.durableloops.workflows.state;

/**
 * An accepted attempt: a commit on the loop's work branch, tagged {@code loops/<id>/cp-<n>}, plus the
 * loop state at that moment.
 *
 * @param number 1-based checkpoint number ({@code 0} is the base commit and is not listed)
 * @param iteration the iteration that produced it
 * @param commit the commit id (40 hex)
 * @param tag the tag name
 * @param createdAt ISO-8601 instant (workflow time)
 * @param costUsd budget used when it was taken, USD
 * @param reflections how many reflections the loop had written when it was taken (the count of
 *     {@link LoopState#reflectionsWritten()}, which compaction does not lower)
 * @param metric the metric of the attempt, when a check has one
 * @param rolledBack whether a rollback to an earlier checkpoint abandoned it; its commit stays
 *     reachable through its tag
 */
public record Checkpoint(
    int number,
    int iteration,
    String commit,
    String tag,
    String createdAt,
    double costUsd,
    int reflections,
    Double metric,
    boolean rolledBack) {

  /** This checkpoint marked as abandoned by a rollback. */
  public Checkpoint withRolledBack() {
    return new Checkpoint(number, iteration, commit, tag, createdAt, costUsd, reflections, metric, true);
  }
}
