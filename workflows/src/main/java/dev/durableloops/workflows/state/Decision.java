package dev.durableloops.workflows.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
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
 * @param attempt optional: when the iteration made several attempts, the one approved (1–8), which
 *     may be another passing attempt than the gate's pick; {@code diffHash} must then be that
 *     attempt's. Absent: the gate's pick
 */
public record Decision(
    @NotNull DecisionKind decision,
    @NotBlank @Size(max = 64) String diffHash,
    @Size(max = 10_000) String comment,
    @Size(max = 200) String by,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Min(1) @Max(8) Integer attempt) {

  /** A decision on the gate's pick. */
  public Decision(DecisionKind decision, String diffHash, String comment, String by) {
    this(decision, diffHash, comment, by, null);
  }
}
