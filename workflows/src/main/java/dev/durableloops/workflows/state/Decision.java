package dev.durableloops.workflows.state;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * A human decision on the pending attempt: the payload of the {@code decide} Update and of the
 * {@code decision} Signal.
 *
 * @param decision {@code APPROVE} or {@code REJECT}
 * @param diffHash the pending attempt's {@link PendingDecision#diffHash()}; a decision naming any
 *     other attempt is refused
 * @param comment optional; a rejection's comment becomes part of the reflection
 * @param by optional name of who decided
 */
public record Decision(
    @NotNull DecisionKind decision,
    @NotBlank @Size(max = 64) String diffHash,
    @Size(max = 10_000) String comment,
    @Size(max = 200) String by) {}
