package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.state.Verdict;

/**
 * Result of {@code Gate}.
 *
 * @param verdict accept, reject, or ask a human
 * @param passed whether the deterministic part passed (checks, metric, review)
 * @param reason one sentence
 * @param reviewExitCode the reviewer's exit code, or {@code null} when there is no reviewer or it
 *     did not run
 */
public record GateResult(Verdict verdict, boolean passed, String reason, Integer reviewExitCode) {}
