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
import java.util.Locale;
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
 * Under the sandbox runtime and bubblewrap: the data directory (every loop's workspace, the git
 * store, the API token file, the worker id), the secrets of the worker's home ({@link #HOME_SECRETS},
 * the tools under {@code ~/.local/share/durable-loops}) and the configured hidden paths are
 * invisible; writable are the workspace, the step's own {@code /tmp} and the spec's
 * {@code sandbox.writable} paths the worker allows ({@code writable-roots}). With the process group
 * alone nothing is hidden and nothing is read-only: the step runs as the worker's user. In every
 * mode: the processes that run before the sandbox exists (the {@link Supervisor}, {@code srt},
 * {@code bwrap}) get a fixed environment ({@link EnvRules#outside}) and the step's environment is
 * handed over only to the command itself, by the {@link StepEnvironment#LAUNCHER}; the loop's {@code pids} cgroup
 * caps processes ({@link ProcessLimit}); and the supervisor kills whatever a step left when it
 * ends or when the worker dies. {@link #describe()} says which, the worker logs it at start and each
 * loop's state shows it.
 *
 * <p>This class chooses and wraps; the work lives beside it: {@link SandboxDetection} finds what
 * works here, {@link HiddenPaths} what a step must not see, {@link WritablePaths} checks
 * {@code sandbox.writable}, {@link StepEnvironment} hands the step's environment over, and
 * {@link SandboxRuntime} and {@link Bubblewrap} build the command lines.
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
   * @param writableRoots directories under which a spec's {@code sandbox.writable} paths may lie
   *     ({@code durable-loops.sandbox.writable-roots}); default none: every {@code sandbox.writable}
   *     is refused
   * @param privateNetworks private ranges ({@link #PRIVATE_RANGES}) an allowed host name may resolve
   *     to ({@code durable-loops.sandbox.private-networks}), each exactly as listed there; default
   *     none: a name resolving into one is refused by the runtime's proxy
   * @param home the worker's home directory, whose secrets are hidden ({@link #HOME_SECRETS});
   *     {@code null} for {@code user.home}
   */
  public record Settings(Mode mode, List<Path> hidden, int maxProcesses, List<String> allowedDomains, boolean hostNetwork, Path runtime,
      List<Path> writableRoots, List<String> privateNetworks, Path home) {

    /** Settings with no writable roots, no private networks and the JVM's {@code user.home}. */
    public Settings(Mode mode, List<Path> hidden, int maxProcesses, List<String> allowedDomains, boolean hostNetwork, Path runtime) {
      this(mode, hidden, maxProcesses, allowedDomains, hostNetwork, runtime, List.of(), List.of(), null);
    }

    /** The given mode, hidden paths and cap; no allowed domains, no host network, the default runtime. */
    public Settings(Mode mode, List<Path> hidden, int maxProcesses) {
      this(mode, hidden, maxProcesses, List.of(), false, null);
    }

    /** These settings with {@code domains} allowed. */
    public Settings withAllowedDomains(List<String> domains) {
      return new Settings(mode, hidden, maxProcesses, domains, hostNetwork, runtime, writableRoots, privateNetworks, home);
    }

    /** These settings with the host's network given to steps or not. */
    public Settings withHostNetwork(boolean host) {
      return new Settings(mode, hidden, maxProcesses, allowedDomains, host, runtime, writableRoots, privateNetworks, home);
    }

    /** These settings with {@code roots} as the writable roots. */
    public Settings withWritableRoots(List<Path> roots) {
      return new Settings(mode, hidden, maxProcesses, allowedDomains, hostNetwork, runtime, roots, privateNetworks, home);
    }

    /** These settings with {@code ranges} as the private networks steps may reach by name. */
    public Settings withPrivateNetworks(List<String> ranges) {
      return new Settings(mode, hidden, maxProcesses, allowedDomains, hostNetwork, runtime, writableRoots, ranges, home);
    }

    /** These settings with {@code dir} as the worker's home. */
    public Settings withHome(Path dir) {
      return new Settings(mode, hidden, maxProcesses, allowedDomains, hostNetwork, runtime, writableRoots, privateNetworks, dir);
    }

    Path homeOrDefault() {
      return (home == null ? Path.of(System.getProperty("user.home")) : home).toAbsolutePath().normalize();
    }
  }

  /**
   * Private address ranges (RFC 1918, CGNAT, IPv6 unique-local) an allowed host name must not
   * resolve to, unless the worker lists the range in {@code durable-loops.sandbox.private-networks}:
   * the sandbox runtime refuses loopback, link-local, metadata and the host's own addresses by
   * itself, but not these, where compose's and Kubernetes' services (Temporal, PostgreSQL) live.
   */
  public static final List<String> PRIVATE_RANGES = List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7");

  /**
   * What of the worker's home a step must not read, hidden under the sandbox runtime and
   * bubblewrap whether or not it exists, and never writable. The rest of home stays readable, on
   * purpose: tools steps run live there ({@code ~/.pyenv}, {@code ~/.nvm}, {@code ~/.cargo},
   * {@code ~/.local/bin}, {@code ~/.m2/repository}), and hiding all of home while re-allowing the
   * {@code PATH} would miss what those tools read besides their {@code bin} (pyenv's versions, a
   * Maven repository). The agent's own login ({@code ~/.claude}) is not in the list: the worker
   * runs the agent in its steps ({@code docs/security.md}, {@code writable-roots}).
   */
  public static final List<String> HOME_SECRETS = List.of(".ssh", ".gnupg", ".git-credentials", ".gitconfig", ".config",
      ".docker", ".aws", ".azure", ".kube", ".netrc", ".m2/settings.xml", ".m2/settings-security.xml", ".gradle/gradle.properties",
      ".npmrc", ".pypirc", ".cargo/credentials", ".cargo/credentials.toml", ".pgpass", ".my.cnf", ".vault-token", ".password-store",
      ".terraform.d", ".local/share/durable-loops", ".bash_history", ".zsh_history", ".python_history", ".psql_history",
      ".mysql_history", ".lesshst", ".viminfo");

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

  /** A sandbox of {@code kind}, as {@link SandboxDetection} found it; {@code runtime} or {@code bubblewrap} for that kind, else {@code null}. */
  Sandbox(Kind kind, SandboxRuntime runtime, Bubblewrap bubblewrap, Settings settings, String description, ProcessLimit limit) {
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
          standard = detect(new Settings(Mode.valueOf(System.getProperty("durable-loops.sandbox.mode", "AUTO").strip().toUpperCase(Locale.ROOT)), List.of(),
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
   * Finds the sandbox to use: the sandbox runtime (its server started and a trial run, about 1.5 s
   * the first time in a JVM), else a working {@code bwrap} on the {@code PATH} (a trial run that
   * makes the namespaces), and a {@code pids} cgroup.
   *
   * @throws IllegalStateException when the mode names a sandbox that does not work here, or
   *     {@link Mode#SANDBOX_RUNTIME} is combined with the host's network
   */
  public static Sandbox detect(Settings settings) {
    return SandboxDetection.detect(settings);
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
   * @param env the command's environment (paths under {@code /tmp} it names stay readable); it
   *     reaches the command alone, inside the sandbox ({@link StepEnvironment#LAUNCHER}), never a process outside it
   * @param workspace the loop's workspace (writable, the working directory)
   * @param loopDir the loop's directory in the data directory: the step's environment file (and,
   *     under bubblewrap alone, its own {@code /tmp}) go there
   * @param dataDir the worker's data directory (hidden)
   * @param spec the loop's sandbox spec
   * @throws StepException {@code BAD_SPEC} when the spec asks for what this worker cannot give (a
   *     destination it does not allow or cannot filter, no network without a sandbox, any network
   *     without a sandbox unless allowed) or must not (a writable path outside the writable roots,
   *     a link, or one holding or inside the data directory, a hidden path, a {@code PATH} entry, the
   *     Java runtime or the sandbox runtime)
   */
  Wrapped wrap(String command, Map<String, String> env, Path workspace, Path loopDir, Path dataDir, SandboxSpec spec) {
    List<String> domains = AllowedDomains.admitted(spec.domains(), settings.allowedDomains());
    Map<String, String> outside = EnvRules.outside(System.getenv());
    try {
      if (kind == Kind.PROCESS_GROUP) {
        if (!spec.networkAllowed()) {
          throw new StepException(StepException.Kind.BAD_SPEC,
              "the spec asks for sandbox.network: false, but this worker has no sandbox to cut the network (" + description + ")");
        }
        if (settings.mode() != Mode.NONE && !settings.hostNetwork()) {
          throw new StepException(StepException.Kind.BAD_SPEC, "this worker has no sandbox to give the step a network of its own ("
              + description + "): install it (deploy/lib.sh ensure_sandbox) or allow the host's network (durable-loops.sandbox.host-network)");
        }
        StepEnvironment.Launch launch = StepEnvironment.launch(command, env, loopDir, true);
        return new Wrapped(launch.argv(), outside, launch.cleanup());
      }
      List<Path> invisible = HiddenPaths.invisible(hidden, dataDir, settings.homeOrDefault());
      List<Path> writable = WritablePaths.checked(spec, invisible, dataDir, settings);
      Map<String, String> stepEnv = new LinkedHashMap<>(env);
      stepEnv.put("TMPDIR", "/tmp");
      if (kind == Kind.SANDBOX_RUNTIME) {
        List<Path> allowWrite = new ArrayList<>(List.of(workspace));
        allowWrite.addAll(writable);
        StepEnvironment.Launch launch = StepEnvironment.launch(command, stepEnv, loopDir, false);
        List<Path> allowRead = new ArrayList<>(NamedTmpPaths.named(command, env, allowWrite, invisible));
        allowRead.addAll(launch.files());
        allowRead.addAll(SharedClones.borrowedObjects(workspace));
        Wrapped wrapped = runtime.wrap(launch.argv(), !domains.isEmpty(), outside, domains, deniedRanges(), invisible, allowRead,
            allowWrite, workspace);
        return new Wrapped(wrapped.argv(), wrapped.env(), () -> {
          wrapped.cleanup().run();
          launch.cleanup().run();
        });
      }
      if (!domains.isEmpty() && !settings.hostNetwork()) {
        throw new StepException(StepException.Kind.BAD_SPEC, "sandbox.allowedDomains names " + String.join(", ", domains)
            + ", but this worker's sandbox has no filtering proxy to let them through (" + description + ")");
      }
      Path stepTmp = loopDir.resolve("tmp");
      WorkspaceFiles.deleteTree(stepTmp);
      Files.createDirectories(stepTmp);
      StepEnvironment.Launch launch = StepEnvironment.launch(command, stepEnv, loopDir, true);
      // The object directories the workspace borrows (an attempt's, a fan-out child's) stay readable, for git in the step.
      List<Path> readable = new ArrayList<>(launch.files());
      readable.addAll(SharedClones.borrowedObjects(workspace));
      List<String> argv = bubblewrap.argv(launch.argv(), readable, NamedTmpPaths.named(command, env, List.of(), invisible),
          workspace, stepTmp, invisible, writable, settings.hostNetwork() && spec.networkAllowed());
      return new Wrapped(argv, outside, () -> {
        WorkspaceFiles.deleteTree(stepTmp);
        launch.cleanup().run();
      });
    } catch (IOException e) {
      throw new StepException(StepException.Kind.COMMAND_START_FAILED, "cannot prepare the sandbox of '" + command + "': " + e.getMessage(), e);
    }
  }

  /** The private ranges the runtime's proxy refuses for a name: {@link #PRIVATE_RANGES} less those the worker allows. */
  List<String> deniedRanges() {
    return deniedRanges(settings);
  }

  /** The private ranges the runtime's proxy refuses for a name under {@code settings}. */
  static List<String> deniedRanges(Settings settings) {
    return PRIVATE_RANGES.stream().filter(r -> !settings.privateNetworks().contains(r)).toList();
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
