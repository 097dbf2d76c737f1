package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.state.CheckEvidence;

import java.util.List;

/**
 * Result of {@code Check}.
 *
 * @param evidence one entry per check, in spec order
 * @param requiredPassed whether every required check passed
 * @param failureSignature 12 hex characters identifying the set of failures (failed checks, their
 *     exit codes and failing test ids), or {@code null} when every check passed
 * @param metric the metric of the first check that has one, or {@code null}
 */
public record CheckResult(List<CheckEvidence> evidence, boolean requiredPassed, String failureSignature, Double metric) {}
