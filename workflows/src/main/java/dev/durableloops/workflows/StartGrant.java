package dev.durableloops.workflows;

import java.util.List;

/**
 * Who started a loop, as the API vouches for it: part of the workflow input ({@link LoopInput#grant}),
 * signed by the API with a key it shares with the workers (HMAC-SHA256, {@code durable-loops.grant-key}
 * or {@code <data>/grant-key}). The worker checks the signature and the spec hash before the loop's
 * first step; a loop without a valid grant (started on Temporal directly, a grant copied onto another
 * spec) is treated as started by nobody with no role. The user's request body never carries it: the
 * API makes it from the authenticated caller.
 *
 * @param startedBy the authenticated caller's name
 * @param roles the caller's roles ({@code VIEWER}, {@code OPERATOR}, {@code APPROVER}), sorted
 * @param specHash SHA-256 (hex) of the normalized spec's canonical JSON
 * @param signature HMAC-SHA256 (hex) of {@code startedBy}, {@code roles}, {@code specHash} and, when
 *     there is one, {@code startHash}
 * @param startHash SHA-256 (hex) of the canonical JSON of the state and fork seed the loop's first
 *     run was started with ({@link dev.durableloops.workflows.steps.FirstRun}), or {@code null} for
 *     a start with neither (and in grants made before it existed)
 */
public record StartGrant(String startedBy, List<String> roles, String specHash, String signature, String startHash) {
  /** A grant for a start with no carried state and no fork seed. */
  public StartGrant(String startedBy, List<String> roles, String specHash, String signature) {
    this(startedBy, roles, specHash, signature, null);
  }
}
