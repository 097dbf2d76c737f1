package dev.durableloops.activities;

/**
 * Finds which sandbox works on this machine for {@link Sandbox#detect(Sandbox.Settings)}, in the
 * order {@link Sandbox} states (the sandbox runtime, else bubblewrap, else the process group alone),
 * and says in words what it gives a step ({@link Sandbox#describe()}).
 */
final class SandboxDetection {

  private SandboxDetection() {}

  /**
   * The sandbox {@code settings} choose: the sandbox runtime (its server started and a trial run,
   * about 1.5 s the first time in a JVM), else a working {@code bwrap} on the {@code PATH} (a trial
   * run that makes the namespaces), and a {@code pids} cgroup.
   *
   * @throws IllegalStateException when the mode names a sandbox that does not work here, or
   *     {@link Sandbox.Mode#SANDBOX_RUNTIME} is combined with the host's network
   */
  static Sandbox detect(Sandbox.Settings settings) {
    ProcessLimit limit = ProcessLimit.detect(settings.maxProcesses());
    String tail = limit.describe() + "; " + Supervisor.describe();
    Sandbox.Mode mode = settings.mode();
    if (mode == Sandbox.Mode.NONE) {
      return new Sandbox(Sandbox.Kind.PROCESS_GROUP, null, null, settings,
          "no sandbox (durable-loops.sandbox.mode=none): process group only, host network; " + tail, limit);
    }
    String skipped = null;
    if (mode == Sandbox.Mode.AUTO || mode == Sandbox.Mode.SANDBOX_RUNTIME) {
      if (settings.hostNetwork()) {
        if (mode == Sandbox.Mode.SANDBOX_RUNTIME) {
          throw new IllegalStateException("durable-loops.sandbox.mode=sandbox_runtime cannot give steps the host's network "
              + "(durable-loops.sandbox.host-network=true): srt always makes a network namespace");
        }
        skipped = "srt not used: it cannot give steps the host's network";
      } else {
        Object found = SandboxRuntime.detect(settings.runtime(), Sandbox.deniedRanges(settings));
        if (found instanceof SandboxRuntime srt) {
          String allowed = settings.allowedDomains().isEmpty() ? "none" : String.join(", ", settings.allowedDomains());
          return new Sandbox(Sandbox.Kind.SANDBOX_RUNTIME, srt, null, settings, srt.describe()
              + ": own PID and network namespaces, outbound only through its proxy to the spec's allowedDomains that the worker allows"
              + " (worker allows: " + allowed + "), read-only machine, writable workspace and private /tmp,"
              + " .git hooks and config write-protected, data directory and home secrets hidden; " + tail, limit);
        }
        if (mode == Sandbox.Mode.SANDBOX_RUNTIME) {
          throw new IllegalStateException("durable-loops.sandbox.mode=sandbox_runtime, but " + found);
        }
        skipped = (String) found;
      }
    }
    String bwrap = Sandbox.onPath("bwrap");
    String problem = bwrap == null ? "bwrap not found on PATH (install Debian's bubblewrap package)" : Bubblewrap.trial(bwrap);
    if (problem != null) {
      if (mode == Sandbox.Mode.BUBBLEWRAP) {
        throw new IllegalStateException("durable-loops.sandbox.mode=bubblewrap, but " + problem);
      }
      return new Sandbox(Sandbox.Kind.PROCESS_GROUP, null, null, settings, "process group only: " + problem
          + (skipped == null ? "" : "; " + skipped) + "; "
          + (settings.hostNetwork() ? "host network" : "steps refused: no sandbox to give them a network of their own") + "; " + tail,
          limit);
    }
    return new Sandbox(Sandbox.Kind.BUBBLEWRAP, null, new Bubblewrap(bwrap), settings, Bubblewrap.version(bwrap)
        + (skipped == null ? "" : " (" + skipped + ")") + ": own PID namespace, "
        + (settings.hostNetwork() ? "the host's network (durable-loops.sandbox.host-network=true)"
            : "own network namespace with no way out (no filtering proxy)")
        + ", read-only root, writable workspace and /tmp, .git hooks and config write-protected, data directory and home secrets hidden; " + tail, limit);
  }
}
