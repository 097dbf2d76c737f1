package dev.durableloops.workflows.spec;

import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Duration;

/**
 * How a loop hands over its result. When the loop succeeds (and, with {@code onCheckpoint}, at each
 * checkpoint), the {@code Deliver} step pushes the loop's head commit to the loop's own repository
 * ({@code workspace.repository}) as branch {@code branch}, then runs {@code command} when one is
 * given, in the workspace, with the {@code LOOP_*} environment plus {@code LOOP_DELIVER_BRANCH},
 * {@code LOOP_DELIVER_COMMIT} and {@code LOOP_DELIVER_REPOSITORY} (e.g.
 * {@code gh pr create --head "$LOOP_DELIVER_BRANCH" --fill}). A loop without {@code deliver}
 * gets every default: its branch is pushed when it succeeds.
 *
 * @param branch the branch to push, default {@code loops/<loop id>} (force-pushed: the loop owns
 *     it); any other name is pushed only as a fast-forward, so naming the base branch delivers onto
 *     it only when nobody else moved it, and only because the spec says so
 * @param command optional command run after the push, with the output's last URL reported
 * @param timeout ISO-8601 duration of the command; default {@value StepSpec#DEFAULT_TIMEOUT}
 * @param onCheckpoint also deliver at each checkpoint; default {@code false}
 * @param push whether to push at all; default {@code true} ({@code false} with no command: no
 *     delivery)
 */
public record DeliverSpec(
    @Size(max = 200)
        @Pattern(regexp = "(?!-)(?!.*\\.\\.)(?!.*//)[A-Za-z0-9._/-]+(?<![/.])",
            message = "must be a branch name: letters, digits, '.', '_', '-', '/'; no '..', no leading '-'")
        String branch,
    @Size(max = 10_000) String command,
    @IsoDuration String timeout,
    Boolean onCheckpoint,
    Boolean push) {

  /** Every default: push {@code loops/<id>} when the loop succeeds. */
  public static final DeliverSpec DEFAULT = new DeliverSpec(null, null, StepSpec.DEFAULT_TIMEOUT, false, true);

  /** This spec with its defaults filled in; the branch stays {@code null} for {@code loops/<id>}. */
  public DeliverSpec normalized() {
    return new DeliverSpec(branch == null || branch.isBlank() ? null : branch, command == null || command.isBlank() ? null : command,
        timeout == null || timeout.isBlank() ? StepSpec.DEFAULT_TIMEOUT : timeout, Boolean.TRUE.equals(onCheckpoint),
        push == null || push);
  }

  /** Whether there is anything to do: a push or a command. */
  public boolean delivers() {
    return !Boolean.FALSE.equals(push) || (command != null && !command.isBlank());
  }

  /** The command's timeout; the spec must be normalized. */
  public Duration timeoutDuration() {
    return Durations.parse(timeout);
  }
}
