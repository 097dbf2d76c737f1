package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.state.LoopStatus;

/**
 * Why a loop ends: the status it ends with and the reason in one sentence. Caps, the no-progress
 * breaker, verification and discover each return one, so the status never has to be read back out
 * of the reason's wording.
 *
 * @param status a terminal status ({@code SUCCEEDED}, {@code CAPPED} or {@code STALLED})
 * @param reason plain language, shown as the loop's {@code stopReason}
 */
record Stop(LoopStatus status, String reason) {}
