package dev.durableloops.workflows.spec;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Duration;

/**
 * A checker: a deterministic command (tests, build, linter) run against every attempt.
 *
 * @param name short name, unique in the spec ({@code [A-Za-z0-9_.-]})
 * @param command the command line, run with {@code sh -c} in the workspace at the attempt commit
 * @param reports optional glob, relative to the workspace, of JUnit XML reports (Surefire, pytest
 *     {@code --junitxml}) the command writes; failing test names and messages are read from them
 * @param timeout ISO-8601 duration; default {@value StepSpec#DEFAULT_TIMEOUT}
 * @param required whether the gate demands exit code 0; default {@code true}
 * @param metric optional number read from the output; the gate then keeps an attempt only if it
 *     beats the best checkpoint
 */
public record CheckSpec(
    @NotBlank @Size(max = 60) @Pattern(regexp = "[A-Za-z0-9_.-]+") String name,
    @NotBlank @Size(max = 10_000) String command,
    @Size(max = 500) String reports,
    @IsoDuration String timeout,
    Boolean required,
    @Valid MetricSpec metric) {

  CheckSpec normalized() {
    return new CheckSpec(
        name,
        command,
        reports,
        timeout == null || timeout.isBlank() ? StepSpec.DEFAULT_TIMEOUT : timeout,
        required == null || required,
        metric == null ? null : metric.normalized());
  }

  /** Whether the gate requires this check to pass; {@code true} unless set to {@code false}. */
  public boolean requiredOrDefault() {
    return required == null || required;
  }

  /** The timeout as a {@link Duration}; the spec must be normalized. */
  public Duration timeoutDuration() {
    return Durations.parse(timeout);
  }
}
