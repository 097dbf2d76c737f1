package dev.durableloops.workflows.spec;

import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * How a loop's commands are confined ({@code sandbox} in a spec). Every step command (discover,
 * plan, make, checks, review, reflect, deliver) runs in the worker's sandbox: a PID and a network
 * namespace of its own and a read-only view of the machine, where writable are the loop's
 * workspace, the step's own {@code /tmp} (gone after the step) and the {@code writable} paths, and
 * the worker's data directory, git store, API token and configured hidden paths are not visible at
 * all. Nothing on the worker's own network (its loopback, the Temporal frontend, the app, a
 * database) is reachable from a step; outbound connections go through the sandbox's filtering
 * proxy to the {@code allowedDomains} alone.
 *
 * @param network whether commands may use the network at all; default {@code true}. {@code false}
 *     means no connection anywhere, whatever {@code allowedDomains} says (a worker without a sandbox
 *     fails the step rather than run the command with network)
 * @param writable absolute paths commands may write besides the workspace (an agent's own state
 *     directory, a build cache), at most 20; a path that does not exist on the worker is skipped;
 *     one inside the worker's data directory or a hidden path fails the step
 * @param allowedDomains where commands may connect, through the sandbox's proxy, at most 50: host
 *     names ({@code api.anthropic.com}), wildcards ({@code *.github.com}, which covers subdomains
 *     only), IP literals, each with an optional {@code :port}; default none. The worker narrows the
 *     list ({@code durable-loops.sandbox.allowed-domains}): a step whose spec names a destination
 *     the worker does not allow fails with a reason naming it, and a worker without the sandbox
 *     runtime's proxy fails a step that names any
 */
public record SandboxSpec(
    Boolean network,
    @Size(max = 20) List<@Pattern(regexp = "/[^\\x00]{0,999}", message = "must be an absolute path") String> writable,
    @Size(max = 50) List<@Pattern(regexp = DOMAIN, message = "must be a host name, *.domain or an IP literal, with an optional :port")
        String> allowedDomains) {

  /** One label of a host name. */
  public static final String LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})";

  /**
   * A host name, {@code *.}domain with at least two labels after the star (the sandbox runtime
   * refuses {@code *.com}), IPv4 or bracketed IPv6 literal, each with an optional {@code :port}.
   */
  public static final String DOMAIN = "(?:\\*\\." + LABEL + "(?:\\." + LABEL + ")+|" + LABEL + "(?:\\." + LABEL + ")*)(:[0-9]{1,5})?"
      + "|\\[[0-9A-Fa-f:.]{2,45}\\](:[0-9]{1,5})?";

  /** Network on but no destination allowed, nothing writable besides the workspace and the step's {@code /tmp}. */
  public static final SandboxSpec DEFAULT = new SandboxSpec(true, List.of(), List.of());

  /** A spec without allowed domains: what specs said before {@code allowedDomains} existed. */
  public SandboxSpec(Boolean network, List<String> writable) {
    this(network, writable, List.of());
  }

  /** This spec with its defaults filled in. */
  public SandboxSpec normalized() {
    return new SandboxSpec(network == null || network, writable == null ? List.of() : writable,
        allowedDomains == null ? List.of() : allowedDomains);
  }

  /** Whether commands may use the network. */
  public boolean networkAllowed() {
    return network == null || network;
  }

  /** The destinations the spec asks for: none when {@code network} is {@code false}. */
  public List<String> domains() {
    return !networkAllowed() || allowedDomains == null ? List.of() : allowedDomains;
  }
}
