package dev.durableloops.activities;

/**
 * Limits on makers running at once on one worker ({@code durable-loops.worker.max-makers} and
 * {@code durable-loops.worker.max-makers-per-repository}); see {@code MakerSlots}.
 *
 * @param perWorker makers at once on this worker, whatever their loop; {@code 0} (the default): no
 *     limit besides the worker's activity slots
 * @param perRepository makers at once on this worker working on one repository (as specs name it:
 *     every attempt and child of a fleet, and every other loop on it); {@code 0} (the default): no limit
 */
public record MakerLimits(int perWorker, int perRepository) {

  /** No limits. */
  public static final MakerLimits NONE = new MakerLimits(0, 0);

  /**
   * @throws IllegalArgumentException when a limit is negative
   */
  public MakerLimits {
    if (perWorker < 0 || perRepository < 0) {
      throw new IllegalArgumentException("maker limits must be 0 (none) or positive, not " + perWorker + " and " + perRepository);
    }
  }
}
