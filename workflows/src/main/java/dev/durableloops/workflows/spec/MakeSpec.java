package dev.durableloops.workflows.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.util.List;

/**
 * The maker: the agent command that changes the code, and how many attempts it makes at once.
 *
 * <p>With {@code attempts} above 1 (or {@code variants}), that many makers run at once from the same
 * checkpoint, each in its own workspace, each through the checks; the gate keeps the best (DESIGN.md,
 * "Fleets"). Without them the maker runs once per iteration, as before.
 *
 * @param command the maker's command line, run with {@code sh -c} (the command of every attempt
 *     without a variant of its own)
 * @param timeout ISO-8601 duration; default {@value StepSpec#DEFAULT_MAKE_TIMEOUT}
 * @param attempts makers at once from the same checkpoint, 1–8; default 1, or the number of
 *     {@code variants} when they are given (then it must be absent or equal to it)
 * @param variants a maker command per attempt (one agent against another, or one agent with
 *     different prompts), 1–8; absent: every attempt runs {@code command}
 */
public record MakeSpec(
    @NotBlank @Size(max = 10_000) String command,
    @IsoDuration String timeout,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Min(1) @Max(8) Integer attempts,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Size(min = 1, max = 8) List<@NotNull @Valid MakeVariant> variants) {

  /** Most attempts one iteration may run at once. */
  public static final int MAX_ATTEMPTS = 8;

  /** A maker that makes one attempt per iteration. */
  public MakeSpec(String command, String timeout) {
    this(command, timeout, null, null);
  }

  /** The maker of a one-step spec: one attempt per iteration. */
  public static MakeSpec of(StepSpec step) {
    return step == null ? null : new MakeSpec(step.command(), step.timeout());
  }

  /** This maker as a single step command (the command and timeout every attempt without a variant runs). */
  public StepSpec step() {
    return new StepSpec(command, timeout);
  }

  /** How many attempts an iteration makes: the variants' number, else {@code attempts}, else 1. */
  @JsonIgnore
  public int attemptCount() {
    if (variants != null && !variants.isEmpty()) {
      return variants.size();
    }
    return attempts == null ? 1 : attempts;
  }

  /**
   * The step command of attempt {@code k} (1-based): its variant's command when there are variants,
   * else {@link #command}; the timeout is this maker's.
   *
   * @throws IllegalArgumentException when {@code k} is outside 1…{@link #attemptCount()}
   */
  public StepSpec attempt(int k) {
    if (k < 1 || k > attemptCount()) {
      throw new IllegalArgumentException("attempt " + k + " of " + attemptCount());
    }
    if (variants == null || variants.isEmpty()) {
      return step();
    }
    return new StepSpec(variants.get(k - 1).command(), timeout);
  }

  MakeSpec withDefaultTimeout(String fallback) {
    return timeout == null || timeout.isBlank() ? new MakeSpec(command, fallback, attempts, variants) : this;
  }

  /** The timeout as a {@link Duration}; the spec must be normalized. */
  public Duration timeoutDuration() {
    return Durations.parse(timeout);
  }
}
