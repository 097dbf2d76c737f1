package dev.durableloops.workflows.spec;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.time.Duration;

/**
 * One step command: a shell command line run with {@code sh -c} in the loop's workspace, with the
 * {@code LOOP_*} environment of DESIGN.md. Its process group is killed when the timeout passes or
 * the activity is cancelled.
 *
 * @param command the command line
 * @param timeout ISO-8601 duration; default {@value #DEFAULT_TIMEOUT} ({@value #DEFAULT_MAKE_TIMEOUT}
 *     for {@code make})
 */
public record StepSpec(@NotBlank @Size(max = 10_000) String command, @IsoDuration String timeout) {

  /** Default timeout of discover, plan, review and reflect commands: 10 minutes. */
  public static final String DEFAULT_TIMEOUT = "PT10M";

  /** Default timeout of the maker: 30 minutes. */
  public static final String DEFAULT_MAKE_TIMEOUT = "PT30M";

  StepSpec withDefaultTimeout(String fallback) {
    return timeout == null || timeout.isBlank() ? new StepSpec(command, fallback) : this;
  }

  /** The timeout as a {@link Duration}; the spec must be normalized. */
  public Duration timeoutDuration() {
    return Durations.parse(timeout);
  }
}
