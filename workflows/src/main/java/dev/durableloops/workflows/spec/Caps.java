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
 * @param onCap what reaching the iteration, time or cost cap does: {@code STOP} (end
 *     {@code CAPPED}; the default) or {@code ASK} (wait as {@code AWAITING_BUDGET} for an
 *     {@code extend} decision with new limits, and end {@code CAPPED} when none comes within
 *     {@code extendTimeout}); the no-progress breaker always stops
 * @param extendTimeout ISO-8601 wait for an extension with {@code ASK}; default
 *     {@value #DEFAULT_EXTEND_TIMEOUT}
 */
public record Caps(
    @Positive @Max(1_000_000) Integer maxIterations,
    @IsoDuration String maxDuration,
    @Positive @DecimalMax("1000000") Double maxCostUsd,
    @Positive @Max(1_000) Integer maxRepeatedFailures,
    OnCap onCap,
    @IsoDuration String extendTimeout) {

  /** What reaching a cap does. */
  public enum OnCap {
    /** The loop ends {@code CAPPED}. */
    STOP,
    /** The loop waits for a person to extend its budget. */
    ASK
  }

  /** Default wait for an extension: 24 hours. */
  public static final String DEFAULT_EXTEND_TIMEOUT = "PT24H";

  /** Caps that stop at the limits (no {@code ASK}). */
  public Caps(Integer maxIterations, String maxDuration, Double maxCostUsd, Integer maxRepeatedFailures) {
    this(maxIterations, maxDuration, maxCostUsd, maxRepeatedFailures, null, null);
  }

  /** Whether a reached cap asks for more instead of stopping; the caps must be normalized. */
  public boolean asks() {
    return onCap == OnCap.ASK;
  }

  /** These caps with the limits of {@code extension} where it sets them. */
  public Caps extendedBy(Integer iterations, String duration, Double costUsd) {
    return new Caps(iterations != null ? iterations : maxIterations, duration != null ? duration : maxDuration,
        costUsd != null ? costUsd : maxCostUsd, maxRepeatedFailures, onCap, extendTimeout);
  }

  /** The wait for an extension as a {@link Duration}; the caps must be normalized. */
  public Duration extendTimeoutValue() {
    return Durations.parse(extendTimeout);
  }

  /** Default iteration cap. */
  public static final int DEFAULT_MAX_ITERATIONS = 10;

  /** Default wall-time budget: 3 days. */
  public static final String DEFAULT_MAX_DURATION = "P3D";

  /** Default stall threshold. */
  public static final int DEFAULT_MAX_REPEATED_FAILURES = 3;

  /** All defaults, no cost cap. */
  public static final Caps DEFAULT =
      new Caps(DEFAULT_MAX_ITERATIONS, DEFAULT_MAX_DURATION, null, DEFAULT_MAX_REPEATED_FAILURES, OnCap.STOP, DEFAULT_EXTEND_TIMEOUT);

  public Caps normalized() {
    return new Caps(
        maxIterations == null ? DEFAULT_MAX_ITERATIONS : maxIterations,
        maxDuration == null || maxDuration.isBlank() ? DEFAULT_MAX_DURATION : maxDuration,
        maxCostUsd,
        maxRepeatedFailures == null ? DEFAULT_MAX_REPEATED_FAILURES : maxRepeatedFailures,
        onCap == null ? OnCap.STOP : onCap,
        extendTimeout == null || extendTimeout.isBlank() ? DEFAULT_EXTEND_TIMEOUT : extendTimeout);
  }

  /** The wall-time budget as a {@link Duration}; the caps must be normalized. */
  public Duration maxDurationValue() {
    return Durations.parse(maxDuration);
  }
}
