package dev.durableloops.activities;

import dev.durableloops.workflows.spec.SandboxSpec;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 * Under the sandbox runtime and bubblewrap: the data directory (every loop's workspace, the git
 * store, the API token file, the worker id), the secrets of the worker's home ({@link #HOME_SECRETS},
 * the tools under {@code ~/.local/share/durable-loops}) and the configured hidden paths are
 * invisible; writable are the workspace, the step's own {@code /tmp} and the spec's
 * {@code sandbox.writable} paths the worker allows ({@code writable-roots}). With the process group
 * alone nothing is hidden and nothing is read-only: the step runs as the worker's user. In every
 * mode: the processes that run before the sandbox exists (the {@link Supervisor}, {@code srt},
 * {@code bwrap}) get a fixed environment ({@link EnvRules#outside}) and the step's environment is
 * handed over only to the command itself, by the {@link #LAUNCHER}; the loop's {@code pids} cgroup
 * caps processes ({@link ProcessLimit}); and the supervisor kills whatever a step left when it
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
   * runs the agent in its steps (README, {@code writable-roots}).
   */
  public static final List<String> HOME_SECRETS = List.of(".ssh", ".gnupg", ".git-credentials", ".gitconfig", ".config",
      ".docker", ".aws", ".azure", ".kube", ".netrc", ".m2/settings.xml", ".m2/settings-security.xml", ".gradle/gradle.properties",
      ".npmrc", ".pypirc", ".cargo/credentials", ".cargo/credentials.toml", ".pgpass", ".my.cnf", ".vault-token", ".password-store",
      ".terraform.d", ".local/share/durable-loops", ".bash_history", ".zsh_history", ".python_history", ".psql_history",
      ".mysql_history", ".lesshst", ".viminfo");

  /**
   * Runs inside the sandbox as the step's first program, with the sandbox's own environment (the
   * worker's fixed one, plus the runtime's proxy settings): reads the file its argument names
   * ({@code clear|keep}, the command, then {@code NAME=value} entries, each ended by NUL), clears
   * the environment ({@code clear}) or keeps it ({@code keep}, for the runtime's proxy variables),
   * sets the step's variables and becomes {@code /bin/sh -c <command>}. Nothing before it reads a
   * variable of the spec; the file lies in the hidden loop directory and is removed after the step.
   */
  static final String LAUNCHER = """
      open(my $f, '<', $ARGV[0]) or die "durable-loops: cannot read the step's environment: $!\\n";
      my $d = do { local $/; <$f> }; close $f;
      my ($mode, $command, @vars) = split /\\0/, $d, -1;
      pop @vars;
      %ENV = () if $mode eq 'clear';
      for my $v (@vars) { my ($k, $x) = split /=/, $v, 2; $ENV{$k} = $x; }
      exec { '/bin/sh' } 'sh', '-c', $command;
      die "durable-loops: cannot run /bin/sh: $!\\n";
      """;

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
              + " .git hooks and config write-protected, data directory and home secrets hidden; " + tail, limit);
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
        + ", read-only root, writable workspace and /tmp, .git hooks and config write-protected, data directory and home secrets hidden; " + tail, limit);
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
   *     reaches the command alone, inside the sandbox ({@link #LAUNCHER}), never a process outside it
   * @param workspace the loop's workspace (writable, the working directory)
   * @param loopDir the loop's directory in the data directory: the step's settings, environment
   *     file and own {@code /tmp} go there
   * @param dataDir the worker's data directory (hidden)
   * @param spec the loop's sandbox spec
   * @throws StepException {@code BAD_SPEC} when the spec asks for what this worker cannot give (a
   *     destination it does not allow or cannot filter, no network without a sandbox, any network
   *     without a sandbox unless allowed) or must not (a writable path outside the writable roots,
   *     a link, or one holding or inside the data directory, a hidden path, a {@code PATH} entry, the
   *     Java runtime or the sandbox runtime)
   */
  Wrapped wrap(String command, Map<String, String> env, Path workspace, Path loopDir, Path dataDir, SandboxSpec spec) {
    List<String> domains = domains(spec);
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
        Launch launch = launch(command, env, loopDir, true);
        return new Wrapped(launch.argv(), outside, launch.cleanup());
      }
      List<Path> invisible = new ArrayList<>(hidden);
      invisible.add(dataDir.toAbsolutePath().normalize());
      Path home = settings.homeOrDefault();
      for (String name : HOME_SECRETS) {
        Path secret = home.resolve(name);
        if (Files.exists(secret, LinkOption.NOFOLLOW_LINKS) && invisible.stream().noneMatch(secret::startsWith)) {
          invisible.add(secret);
        }
      }
      Path tools = toolsRoot();
      if (Files.exists(tools) && invisible.stream().noneMatch(tools::startsWith)) {
        invisible.add(tools);
      }
      List<Path> writable = writable(spec, invisible, dataDir);
      Map<String, String> stepEnv = new LinkedHashMap<>(env);
      stepEnv.put("TMPDIR", "/tmp");
      if (kind == Kind.SANDBOX_RUNTIME) {
        List<Path> allowWrite = new ArrayList<>(List.of(workspace));
        allowWrite.addAll(writable);
        Launch launch = launch(command, stepEnv, loopDir, false);
        List<Path> allowRead = new ArrayList<>(NamedTmpPaths.named(command, env, allowWrite, invisible));
        allowRead.addAll(launch.files());
        Wrapped wrapped = runtime.wrap(launch.argv(), !domains.isEmpty(), outside, loopDir.resolve("sandbox.json"), domains,
            deniedRanges(), invisible, allowRead, allowWrite, workspace);
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
      GitWorkspace.deleteTree(stepTmp);
      Files.createDirectories(stepTmp);
      Launch launch = launch(command, stepEnv, loopDir, true);
      List<String> argv = bubblewrap.argv(launch.argv(), launch.files(), NamedTmpPaths.named(command, env, List.of(), invisible),
          workspace, stepTmp, invisible, writable, settings.hostNetwork() && spec.networkAllowed());
      return new Wrapped(argv, outside, () -> {
        GitWorkspace.deleteTree(stepTmp);
        launch.cleanup().run();
      });
    } catch (IOException e) {
      throw new StepException(StepException.Kind.COMMAND_START_FAILED, "cannot prepare the sandbox of '" + command + "': " + e.getMessage(), e);
    }
  }

  /**
   * What becomes the step's command inside the sandbox.
   *
   * @param argv the launcher's command line
   * @param files what it reads (to be made readable inside the sandbox)
   * @param cleanup removes them
   */
  private record Launch(List<String> argv, List<Path> files, Runnable cleanup) {}

  /**
   * The {@link #LAUNCHER} and the file it reads, written in the hidden {@code loopDir}; without
   * {@code perl} on the worker, {@code env [-i] NAME=value… sh -c <command>} (then the step's values
   * are on the command line of the processes outside the sandbox, which only the worker's user and
   * root can read as they can its environment).
   *
   * @param clear whether the command starts from an empty environment plus {@code env}, or from the
   *     sandbox's own (the runtime's proxy settings) plus {@code env}
   */
  private static Launch launch(String command, Map<String, String> env, Path loopDir, boolean clear) throws IOException {
    String perl = Supervisor.perl();
    if (perl == null) {
      List<String> argv = new ArrayList<>(List.of("env"));
      if (clear) {
        argv.add("-i");
      }
      env.forEach((k, v) -> argv.add(k + "=" + v));
      argv.addAll(List.of("sh", "-c", command));
      return new Launch(argv, List.of(), () -> {});
    }
    StringBuilder text = new StringBuilder(clear ? "clear" : "keep").append('\0').append(command).append('\0');
    env.forEach((k, v) -> {
      if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0 || v.indexOf('\0') >= 0) {
        throw new StepException(StepException.Kind.BAD_SPEC, "env names a variable that cannot be set: '" + k.replace("\0", "\\0") + "'");
      }
      text.append(k).append('=').append(v).append('\0');
    });
    Files.createDirectories(loopDir);
    Path file = Files.createTempFile(loopDir, "step-", ".env");
    Files.writeString(file, text, java.nio.charset.StandardCharsets.UTF_8);
    return new Launch(List.of(perl, "-e", LAUNCHER, file.toString()), List.of(file), () -> {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // The loop's directory is hidden from steps; the next step writes a file of its own.
      }
    });
  }

  /** The private ranges the runtime's proxy refuses for a name: {@link #PRIVATE_RANGES} less those the worker allows. */
  List<String> deniedRanges() {
    return PRIVATE_RANGES.stream().filter(r -> !settings.privateNetworks().contains(r)).toList();
  }

  /** Where {@code deploy/lib.sh} installs the worker's tools ({@code $DURABLE_LOOPS_TOOLS_ROOT}, default {@code ~/.local/share/durable-loops}). */
  private Path toolsRoot() {
    String root = System.getenv("DURABLE_LOOPS_TOOLS_ROOT");
    return (root == null || root.isBlank() ? settings.homeOrDefault().resolve(".local/share/durable-loops") : Path.of(root))
        .toAbsolutePath().normalize();
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

  /**
   * The spec's writable paths that exist, each checked: absolute, no link anywhere in it (its real
   * path is itself, so an entry a previous step turned into a link is not bound through), under one
   * of the worker's writable roots, and neither holding nor inside what a step must not change: the
   * data directory, a hidden path, a secret of the worker's home (existing or not), the tools root and
   * the sandbox runtime, the Java runtime, an entry of the worker's {@code PATH}.
   */
  private List<Path> writable(SandboxSpec spec, List<Path> invisible, Path dataDir) {
    List<Path> paths = new ArrayList<>();
    List<String> entries = spec.writable() == null ? List.of() : spec.writable();
    if (entries.isEmpty()) {
      return paths;
    }
    List<Path> never = new ArrayList<>(invisible);
    never.add(real(dataDir));
    Path home = settings.homeOrDefault();
    HOME_SECRETS.forEach(name -> never.add(home.resolve(name)));
    never.add(toolsRoot());
    if (settings.runtime() != null) {
      never.add(settings.runtime().toAbsolutePath().normalize());
    }
    never.add(Path.of(System.getProperty("java.home")).toAbsolutePath().normalize());
    String pathVar = System.getenv("PATH");
    for (String dir : (pathVar == null ? "/usr/bin:/bin" : pathVar).split(File.pathSeparator)) {
      if (!dir.isEmpty() && dir.startsWith("/")) {
        never.add(Path.of(dir).normalize());
        never.add(real(Path.of(dir)));
      }
    }
    List<Path> roots = settings.writableRoots() == null ? List.of() : settings.writableRoots().stream().map(Sandbox::real).toList();
    for (int i = 0; i < entries.size(); i++) {
      String entry = entries.get(i);
      String field = "sandbox.writable[" + i + "]";
      if (roots.isEmpty()) {
        throw new StepException(StepException.Kind.BAD_SPEC, field + " names " + entry
            + ", but this worker allows no writable path outside the workspace (durable-loops.sandbox.writable-roots lists the directories it allows)");
      }
      Path path = Path.of(entry);
      if (!path.isAbsolute()) {
        throw new StepException(StepException.Kind.BAD_SPEC, field + " names " + entry + ", which is not an absolute path");
      }
      path = path.normalize();
      boolean exists = Files.exists(path, LinkOption.NOFOLLOW_LINKS);
      if (exists && !real(path).equals(path)) {
        throw new StepException(StepException.Kind.BAD_SPEC, field + " names " + entry + ", which is or passes through a symbolic link (to "
            + real(path) + ")");
      }
      Path checked = path;
      if (roots.stream().noneMatch(checked::startsWith)) {
        throw new StepException(StepException.Kind.BAD_SPEC, field + " names " + entry
            + ", which is outside the worker's writable roots (durable-loops.sandbox.writable-roots: "
            + String.join(", ", roots.stream().map(Path::toString).toList()) + ")");
      }
      for (Path forbidden : never) {
        if (checked.startsWith(forbidden) || forbidden.startsWith(checked)) {
          throw new StepException(StepException.Kind.BAD_SPEC,
              field + " names " + entry + ", which would expose " + forbidden + " that commands must not see or change");
        }
      }
      if (exists) {
        paths.add(path);
      }
    }
    return paths;
  }

  /** {@code path}'s real path when it exists, else its normalized absolute path. */
  private static Path real(Path path) {
    try {
      return path.toAbsolutePath().toRealPath();
    } catch (IOException e) {
      return path.toAbsolutePath().normalize();
    }
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
