package dev.durableloops.workflows.state;

import dev.durableloops.workflows.spec.Caps;
import java.time.Instant;

/**
 * The loop's caps and how much of them is used.
 *
 * @param limits the caps (normalized)
 * @param iterations iterations started
 * @param costUsd USD reported by makers so far
 * @param tokens tokens reported by makers so far
 * @param startedAt ISO-8601 instant the loop started
 * @param deadline ISO-8601 instant {@code maxDuration} ends
 */
public record Budget(Caps limits, int iterations, double costUsd, long tokens, String startedAt, String deadline) {

  /** A loop's budget as it starts at {@code startMillis} (epoch ms): nothing used, the deadline {@code maxDuration} later. */
  public static Budget starting(Caps limits, long startMillis, long maxDurationMillis) {
    return new Budget(limits, 0, 0, 0, Instant.ofEpochMilli(startMillis).toString(),
        Instant.ofEpochMilli(startMillis + maxDurationMillis).toString());
  }

  /** This budget with {@code usd} and {@code tokenCount} more used. */
  public Budget spent(double usd, long tokenCount) {
    return new Budget(limits, iterations, costUsd + usd, tokens + tokenCount, startedAt, deadline);
  }

  /** This budget with other caps in force. */
  public Budget withLimits(Caps caps) {
    return new Budget(caps, iterations, costUsd, tokens, startedAt, deadline);
  }

  /** This budget after {@code started} iterations. */
  public Budget withIterations(int started) {
    return new Budget(limits, started, costUsd, tokens, startedAt, deadline);
  }

  /** This budget with its deadline at {@code deadlineMillis} (epoch ms). */
  public Budget withDeadline(long deadlineMillis) {
    return new Budget(limits, iterations, costUsd, tokens, startedAt, Instant.ofEpochMilli(deadlineMillis).toString());
  }

  /** {@link #startedAt} as epoch milliseconds. */
  public long startedAtMillis() {
    return Instant.parse(startedAt).toEpochMilli();
  }

  /** {@link #deadline} as epoch milliseconds. */
  public long deadlineMillis() {
    return Instant.parse(deadline).toEpochMilli();
  }
}
