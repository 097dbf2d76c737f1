package dev.durableloops.workflows.spec;

import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * How a loop's commands are confined ({@code sandbox} in a spec). Workers with bubblewrap run every
 * step command (discover, plan, make, checks, review, reflect, deliver) in a PID namespace of its own
 * with a read-only view of the machine: writable are the loop's workspace, the step's own
 * {@code /tmp} (emptied after the step) and the {@code writable} paths; the worker's data
 * directory, git store, API token and configured hidden paths are not visible at all.
 *
 * @param network whether commands may use the network; default {@code true} (agents reach their
 *     model over it). {@code false} needs a worker with bubblewrap: a worker without one fails the
 *     step rather than run the command with network
 * @param writable absolute paths commands may write besides the workspace (an agent's own state
 *     directory, a build cache), at most 20; a path that does not exist on the worker is skipped;
 *     one inside the worker's data directory or a hidden path fails the step
 */
public record SandboxSpec(
    Boolean network,
    @Size(max = 20) List<@Pattern(regexp = "/[^\\x00]{0,999}", message = "must be an absolute path") String> writable) {

  /** Network on, nothing writable besides the workspace and the step's {@code /tmp}. */
  public static final SandboxSpec DEFAULT = new SandboxSpec(true, List.of());

  /** This spec with its defaults filled in. */
  public SandboxSpec normalized() {
    return new SandboxSpec(network == null || network, writable == null ? List.of() : writable);
  }

  /** Whether commands may use the network. */
  public boolean networkAllowed() {
    return network == null || network;
  }
}
