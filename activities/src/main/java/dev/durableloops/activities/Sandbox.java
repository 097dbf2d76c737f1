package dev.durableloops.activities;

import dev.durableloops.workflows.spec.SandboxSpec;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How step commands are confined, chosen once when the worker starts, in this order:
 * <ol>
 *   <li>{@link SandboxRuntime}: Anthropic's sandbox runtime ({@code srt}) over bubblewrap: own PID
 *       and network namespaces, outbound connections only through its filtering proxy to the
 *       spec's {@code sandbox.allowedDomains} the worker allows, the machine read-only,
 *       {@code .git/hooks}, {@code .git/config} and other files tools execute write-protected;</li>
 *   <li>{@link Bubblewrap} alone, when {@code srt} (or Node.js 20.11+) is not installed or the
 *       worker gives steps the host's network ({@code srt} always makes a network namespace): the
 *       same namespaces and filesystem view, but no proxy, so no destination can be allowed;</li>
 *   <li>the process group alone, when neither works here: no namespaces, so a step would have the
 *       host's network; it is refused unless the mode is {@link Mode#NONE} or the worker allows the
 *       host's network.</li>
 * </ol>
 * In every case: the data directory (every loop's workspace, the git store, the API token file, the
 * worker id) and the configured hidden paths are invisible; writable are the workspace, the step's
 * own {@code /tmp} and the spec's {@code sandbox.writable} paths; the loop's {@code pids} cgroup caps
 * processes ({@link ProcessLimit}); and the {@link Supervisor} kills whatever a step left when it
 * ends or when the worker dies. {@link #describe()} says which, the worker logs it at start and each
 * loop's state shows it.
 */
public final class Sandbox {

  /** Which sandbox to use ({@code durable-loops.sandbox.mode}). */
  public enum Mode {
    /** The sandbox runtime where it works, else bubblewrap, else the process group alone; the default. */
    AUTO,
    /** The sandbox runtime or refuse to start. */
    SANDBOX_RUNTIME,
    /** Bubblewrap alone (no filtering proxy) or refuse to start. */
    BUBBLEWRAP,
    /** The process group alone, with the host's network: no sandbox. */
    NONE
  }

  /** What wraps a command. */
  enum Kind { SANDBOX_RUNTIME, BUBBLEWRAP, PROCESS_GROUP }

  /**
   * The worker's sandbox settings ({@code durable-loops.sandbox.*}).
   *
   * @param mode which sandbox; default {@link Mode#AUTO}
   * @param hidden paths commands must not see besides the data directory; default none
   * @param maxProcesses processes and threads one step may have at once; {@code 0}: no cap; default
   *     {@link ProcessLimit#DEFAULT_MAX_PROCESSES}
   * @param allowedDomains the destinations a spec's {@code sandbox.allowedDomains} may name at most
   *     ({@link AllowedDomains} says what covers what); default none
   * @param hostNetwork whether steps get the worker's own network instead of a namespace of their
   *     own (everything the worker reaches, its loopback included); default {@code false}. Not
   *     possible with the sandbox runtime: {@link Mode#AUTO} then uses bubblewrap alone
   * @param runtime where the sandbox runtime is installed (the directory {@code npm ci} ran in), or
   *     {@code null} for {@code $DURABLE_LOOPS_TOOLS_ROOT/sandbox-runtime}, default
   *     {@code ~/.local/share/durable-loops/sandbox-runtime}, then {@code srt} on the {@code PATH}
   */
  public record Settings(Mode mode, List<Path> hidden, int maxProcesses, List<String> allowedDomains, boolean hostNetwork, Path runtime) {

    /** The given mode, hidden paths and cap; no allowed domains, no host network, the default runtime. */
    public Settings(Mode mode, List<Path> hidden, int maxProcesses) {
      this(mode, hidden, maxProcesses, List.of(), false, null);
    }

    /** These settings with {@code domains} allowed. */
    public Settings withAllowedDomains(List<String> domains) {
      return new Settings(mode, hidden, maxProcesses, domains, hostNetwork, runtime);
    }

    /** These settings with the host's network given to steps or not. */
    public Settings withHostNetwork(boolean host) {
      return new Settings(mode, hidden, maxProcesses, allowedDomains, host, runtime);
    }
  }

  /**
   * How one step is started.
   *
   * @param argv the command line, before the supervisor
   * @param env the whole environment to start it with
   * @param cleanup what to run when the step is over, whatever happened
   */
  record Wrapped(List<String> argv, Map<String, String> env, Runnable cleanup) {}

  private final Kind kind;
  private final SandboxRuntime runtime;
  private final Bubblewrap bubblewrap;
  private final Settings settings;
  private final String description;
  private final List<Path> hidden;
  private final ProcessLimit limit;

  private Sandbox(Kind kind, SandboxRuntime runtime, Bubblewrap bubblewrap, Settings settings, String description, ProcessLimit limit) {
    this.kind = kind;
    this.runtime = runtime;
    this.bubblewrap = bubblewrap;
    this.settings = settings;
    this.description = description;
    this.hidden = settings.hidden().stream().map(p -> p.toAbsolutePath().normalize()).toList();
    this.limit = limit;
  }

  private static volatile Sandbox standard;

  /**
   * {@link Mode#AUTO} with no hidden paths besides the data directory and
   * {@link ProcessLimit#DEFAULT_MAX_PROCESSES}, detected once per JVM; for benchmarks and tests the
   * system properties {@code durable-loops.sandbox.mode}, {@code durable-loops.sandbox.host-network}
   * and {@code durable-loops.sandbox.allowed-domains} (comma-separated) change it.
   */
  public static Sandbox standard() {
    Sandbox s = standard;
    if (s == null) {
      synchronized (Sandbox.class) {
        if (standard == null) {
          String domains = System.getProperty("durable-loops.sandbox.allowed-domains", "");
          standard = detect(new Settings(Mode.valueOf(System.getProperty("durable-loops.sandbox.mode", "AUTO")), List.of(),
              ProcessLimit.DEFAULT_MAX_PROCESSES)
              .withAllowedDomains(Arrays.stream(domains.split(",")).map(String::strip).filter(d -> !d.isEmpty()).toList())
              .withHostNetwork(Boolean.getBoolean("durable-loops.sandbox.host-network")));
        }
        s = standard;
      }
    }
    return s;
  }

  /** The process group alone and no process limit: what commands ran in before sandboxes existed. */
  public static Sandbox processGroupOnly() {
    return new Sandbox(Kind.PROCESS_GROUP, null, null, new Settings(Mode.NONE, List.of(), 0),
        "no sandbox (durable-loops.sandbox.mode=none): process group only, host network", ProcessLimit.none("no process limit"));
  }

  /** {@link #detect(Settings)} with no allowed domains, no host network and the default runtime location. */
  public static Sandbox detect(Mode mode, List<Path> hidden, int maxProcesses) {
    return detect(new Settings(mode, hidden, maxProcesses));
  }

  /**
   * Finds the sandbox to use: the sandbox runtime (a trial run, about 0.5 s), else a working
   * {@code bwrap} on the {@code PATH} (a trial run that makes the namespaces), and a {@code pids}
   * cgroup.
   *
   * @throws IllegalStateException when the mode names a sandbox that does not work here, or
   *     {@link Mode#SANDBOX_RUNTIME} is combined with the host's network
   */
  public static Sandbox detect(Settings settings) {
    ProcessLimit limit = ProcessLimit.detect(settings.maxProcesses());
    String tail = limit.describe() + "; " + Supervisor.describe();
    Mode mode = settings.mode();
    if (mode == Mode.NONE) {
      return new Sandbox(Kind.PROCESS_GROUP, null, null, settings,
          "no sandbox (durable-loops.sandbox.mode=none): process group only, host network; " + tail, limit);
    }
    String skipped = null;
    if (mode == Mode.AUTO || mode == Mode.SANDBOX_RUNTIME) {
      if (settings.hostNetwork()) {
        if (mode == Mode.SANDBOX_RUNTIME) {
          throw new IllegalStateException("durable-loops.sandbox.mode=sandbox_runtime cannot give steps the host's network "
              + "(durable-loops.sandbox.host-network=true): srt always makes a network namespace");
        }
        skipped = "srt not used: it cannot give steps the host's network";
      } else {
        Object found = SandboxRuntime.detect(settings.runtime());
        if (found instanceof SandboxRuntime srt) {
          String allowed = settings.allowedDomains().isEmpty() ? "none" : String.join(", ", settings.allowedDomains());
          return new Sandbox(Kind.SANDBOX_RUNTIME, srt, null, settings, srt.describe()
              + ": own PID and network namespaces, outbound only through its proxy to the spec's allowedDomains that the worker allows"
              + " (worker allows: " + allowed + "), read-only machine, writable workspace and private /tmp,"
              + " .git hooks and config write-protected, data directory hidden; " + tail, limit);
        }
        if (mode == Mode.SANDBOX_RUNTIME) {
          throw new IllegalStateException("durable-loops.sandbox.mode=sandbox_runtime, but " + found);
        }
        skipped = (String) found;
      }
    }
    String bwrap = onPath("bwrap");
    String problem = bwrap == null ? "bwrap not found on PATH (install Debian's bubblewrap package)" : Bubblewrap.trial(bwrap);
    if (problem != null) {
      if (mode == Mode.BUBBLEWRAP) {
        throw new IllegalStateException("durable-loops.sandbox.mode=bubblewrap, but " + problem);
      }
      return new Sandbox(Kind.PROCESS_GROUP, null, null, settings, "process group only: " + problem
          + (skipped == null ? "" : "; " + skipped) + "; "
          + (settings.hostNetwork() ? "host network" : "steps refused: no sandbox to give them a network of their own") + "; " + tail,
          limit);
    }
    return new Sandbox(Kind.BUBBLEWRAP, null, new Bubblewrap(bwrap), settings, Bubblewrap.version(bwrap)
        + (skipped == null ? "" : " (" + skipped + ")") + ": own PID namespace, "
        + (settings.hostNetwork() ? "the host's network (durable-loops.sandbox.host-network=true)"
            : "own network namespace with no way out (no filtering proxy)")
        + ", read-only root, writable workspace and /tmp, .git hooks and config write-protected, data directory hidden; " + tail, limit);
  }

  /** Whether commands run in a sandbox (the runtime or bubblewrap). */
  public boolean confined() {
    return kind != Kind.PROCESS_GROUP;
  }

  /** What wraps commands. */
  Kind kind() {
    return kind;
  }

  /** How commands are confined, in words: shown at start and in each loop's state. */
  public String describe() {
    return description;
  }

  /** The process cap. */
  ProcessLimit limit() {
    return limit;
  }

  /**
   * How to start {@code command} for one step.
   *
   * @param command the spec's shell command
   * @param env the command's environment (paths under {@code /tmp} it names stay readable)
   * @param workspace the loop's workspace (writable, the working directory)
   * @param loopDir the loop's directory in the data directory: the step's settings and own
   *     {@code /tmp} go there
   * @param dataDir the worker's data directory (hidden)
   * @param spec the loop's sandbox spec
   * @throws StepException {@code BAD_SPEC} when the spec asks for what this worker cannot give (a
   *     destination it does not allow or cannot filter, no network without a sandbox, any network
   *     without a sandbox unless allowed) or must not (a writable path inside a hidden one)
   */
  Wrapped wrap(String command, Map<String, String> env, Path workspace, Path loopDir, Path dataDir, SandboxSpec spec) {
    List<String> domains = domains(spec);
    if (kind == Kind.PROCESS_GROUP) {
      if (!spec.networkAllowed()) {
        throw new StepException(StepException.Kind.BAD_SPEC,
            "the spec asks for sandbox.network: false, but this worker has no sandbox to cut the network (" + description + ")");
      }
      if (settings.mode() != Mode.NONE && !settings.hostNetwork()) {
        throw new StepException(StepException.Kind.BAD_SPEC, "this worker has no sandbox to give the step a network of its own ("
            + description + "): install it (deploy/lib.sh ensure_sandbox) or allow the host's network (durable-loops.sandbox.host-network)");
      }
      return new Wrapped(List.of("sh", "-c", command), env, () -> {});
    }
    List<Path> invisible = new ArrayList<>(hidden);
    invisible.add(dataDir.toAbsolutePath().normalize());
    List<Path> writable = writable(spec, invisible);
    Map<String, String> stepEnv = new LinkedHashMap<>(env);
    stepEnv.put("TMPDIR", "/tmp");
    try {
      if (kind == Kind.SANDBOX_RUNTIME) {
        List<Path> allowWrite = new ArrayList<>(List.of(workspace));
        allowWrite.addAll(writable);
        return runtime.wrap(command, stepEnv, loopDir.resolve("sandbox.json"), domains, invisible, NamedTmpPaths.forRuntime(command, env, allowWrite, invisible),
            allowWrite, workspace);
      }
      if (!domains.isEmpty() && !settings.hostNetwork()) {
        throw new StepException(StepException.Kind.BAD_SPEC, "sandbox.allowedDomains names " + String.join(", ", domains)
            + ", but this worker's sandbox has no filtering proxy to let them through (" + description + ")");
      }
      Path stepTmp = loopDir.resolve("tmp");
      GitWorkspace.deleteTree(stepTmp);
      Files.createDirectories(stepTmp);
      List<String> argv = bubblewrap.argv(command, NamedTmpPaths.topLevel(command, env), workspace, stepTmp, invisible, writable,
          settings.hostNetwork() && spec.networkAllowed());
      return new Wrapped(argv, stepEnv, () -> GitWorkspace.deleteTree(stepTmp));
    } catch (IOException e) {
      throw new StepException(StepException.Kind.COMMAND_START_FAILED, "cannot prepare the sandbox of '" + command + "': " + e.getMessage(), e);
    }
  }

  /**
   * The destinations the step may connect to: the spec's, each covered by the worker's list.
   *
   * @throws StepException {@code BAD_SPEC} naming those the worker does not allow
   */
  private List<String> domains(SandboxSpec spec) {
    List<String> requested = spec.domains();
    List<String> refused = AllowedDomains.refused(requested, settings.allowedDomains());
    if (!refused.isEmpty()) {
      throw new StepException(StepException.Kind.BAD_SPEC, "sandbox.allowedDomains names " + String.join(", ", refused)
          + ", which this worker does not allow (durable-loops.sandbox.allowed-domains: "
          + (settings.allowedDomains().isEmpty() ? "none" : String.join(", ", settings.allowedDomains())) + ")");
    }
    return requested;
  }

  private static List<Path> writable(SandboxSpec spec, List<Path> invisible) {
    List<Path> paths = new ArrayList<>();
    for (String writable : spec.writable() == null ? List.<String>of() : spec.writable()) {
      Path path = Path.of(writable).toAbsolutePath().normalize();
      for (Path hiddenPath : invisible) {
        if (path.startsWith(hiddenPath) || hiddenPath.startsWith(path)) {
          throw new StepException(StepException.Kind.BAD_SPEC,
              "sandbox.writable names " + writable + ", which would expose " + hiddenPath + " that commands must not see");
        }
      }
      if (Files.exists(path)) {
        paths.add(path);
      }
    }
    return paths;
  }

  /** The absolute path of {@code name} on the worker's {@code PATH}, or {@code null}. */
  static String onPath(String name) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toAbsolutePath().toString();
      }
    }
    return null;
  }
}
