package dev.durableloops.workflows.spec;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.Positive;
import java.time.Duration;

/**
 * Hard caps on a loop. Checked before every iteration; the no-progress breaker after every rejected
 * one. A loop that hits one ends {@code CAPPED} (or {@code STALLED}) with its last checkpoint
 * intact.
 *
 * @param maxIterations iterations at most; default {@value #DEFAULT_MAX_ITERATIONS}
 * @param maxDuration ISO-8601 wall-time budget from the loop's start, a durable deadline; default
 *     {@value #DEFAULT_MAX_DURATION}
 * @param maxCostUsd USD at most, summed from what makers report in {@code LOOP_RESULT_FILE}; the
 *     iteration that crosses it finishes (its cost is already spent), none starts after; at most
 *     1,000,000 (so a non-finite number such as {@code 1e999} is refused); default: no cost cap
 * @param maxRepeatedFailures the same failure signature this many times in a row stalls the loop;
 *     default {@value #DEFAULT_MAX_REPEATED_FAILURES}
 */
public record Caps(
    @Positive @Max(1_000_000) Integer maxIterations,
    @IsoDuration String maxDuration,
    @Positive @DecimalMax("1000000") Double maxCostUsd,
    @Positive @Max(1_000) Integer maxRepeatedFailures) {

  /** Default iteration cap. */
  public static final int DEFAULT_MAX_ITERATIONS = 10;

  /** Default wall-time budget: 3 days. */
  public static final String DEFAULT_MAX_DURATION = "P3D";

  /** Default stall threshold. */
  public static final int DEFAULT_MAX_REPEATED_FAILURES = 3;

  /** All defaults, no cost cap. */
  public static final Caps DEFAULT =
      new Caps(DEFAULT_MAX_ITERATIONS, DEFAULT_MAX_DURATION, null, DEFAULT_MAX_REPEATED_FAILURES);

  Caps normalized() {
    return new Caps(
        maxIterations == null ? DEFAULT_MAX_ITERATIONS : maxIterations,
        maxDuration == null || maxDuration.isBlank() ? DEFAULT_MAX_DURATION : maxDuration,
        maxCostUsd,
        maxRepeatedFailures == null ? DEFAULT_MAX_REPEATED_FAILURES : maxRepeatedFailures);
  }

  /** The wall-time budget as a {@link Duration}; the caps must be normalized. */
  public Duration maxDurationValue() {
    return Durations.parse(maxDuration);
  }
}
