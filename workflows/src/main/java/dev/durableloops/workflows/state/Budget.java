package dev.durableloops.workflows.state;

import dev.durableloops.workflows.spec.Caps;

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
public record Budget(Caps limits, int iterations, double costUsd, long tokens, String startedAt, String deadline) {}
