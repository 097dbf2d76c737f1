package dev.durableloops.activities;

import java.util.List;
import java.util.Locale;

/**
 * The worker's narrowing of a spec's {@code sandbox.allowedDomains}
 * ({@code durable-loops.sandbox.allowed-domains}): a destination the spec asks for is kept only when
 * an entry of the worker's list covers it. An entry covers the same name (letter case ignored),
 * {@code *.example.com} covers every name under {@code example.com} (and {@code *.example.com}
 * itself) but not {@code example.com}, {@code *} covers every name, and an entry without a port
 * covers every port while one with a port covers that port alone. Syntax follows the sandbox
 * runtime's {@code network.allowedDomains}.
 *
 * <p>The runtime's proxy lets an allowed IP literal, {@code localhost} or a name under
 * {@code .localhost} reach the worker's own loopback and addresses (it refuses them only to other
 * names), so those are covered only by an entry naming that very host: never by {@code *} or a
 * wildcard, so that a worker allowing "any domain" does not hand a step the Temporal frontend on
 * {@code 127.0.0.1:7233}. Nor does a wildcard cover a name without a dot ({@code temporal},
 * {@code postgresql}): those are the services of compose's or Kubernetes' own network, reached
 * through the search domains of the worker's resolver.
 */
final class AllowedDomains {

  private AllowedDomains() {}

  /**
   * The destinations a step may connect to: all of {@code requested}, each covered by an entry of
   * {@code allowed}.
   *
   * @throws StepException {@code BAD_SPEC} naming those no entry of {@code allowed} covers
   */
  static List<String> admitted(List<String> requested, List<String> allowed) {
    List<String> refused = refused(requested, allowed);
    if (!refused.isEmpty()) {
      throw new StepException(StepException.Kind.BAD_SPEC, "sandbox.allowedDomains names " + String.join(", ", refused)
          + ", which this worker does not allow (durable-loops.sandbox.allowed-domains: "
          + (allowed.isEmpty() ? "none" : String.join(", ", allowed)) + ")");
    }
    return requested;
  }

  /** The entries of {@code requested} that no entry of {@code allowed} covers, in order. */
  static List<String> refused(List<String> requested, List<String> allowed) {
    return requested.stream().filter(r -> allowed.stream().noneMatch(a -> covers(a, r))).toList();
  }

  /** Whether the worker's entry {@code allowed} covers the spec's entry {@code requested}. */
  static boolean covers(String allowed, String requested) {
    String[] a = split(allowed.toLowerCase(Locale.ROOT));
    String[] r = split(requested.toLowerCase(Locale.ROOT));
    if (a[1] != null && !a[1].equals(r[1])) {
      return false;
    }
    if (a[0].equals(r[0])) {
      return true;
    }
    if (local(r[0]) || !r[0].contains(".")) {
      return false;
    }
    return a[0].equals("*") || a[0].startsWith("*.") && r[0].endsWith(a[0].substring(1));
  }

  /** Whether {@code host} is an IP literal or a loopback name, which the proxy lets reach the worker itself. */
  static boolean local(String host) {
    return host.startsWith("[") || host.matches("[0-9.]+") || host.equals("localhost") || host.endsWith(".localhost");
  }

  /** {host, port or null}; an IPv6 literal keeps its brackets. */
  private static String[] split(String entry) {
    int colon = entry.startsWith("[") ? entry.indexOf("]:") + 1 : entry.lastIndexOf(':');
    return colon <= 0 ? new String[] {entry, null} : new String[] {entry.substring(0, colon), entry.substring(colon + 1)};
  }
}
