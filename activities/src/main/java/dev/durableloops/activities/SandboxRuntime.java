package dev.durableloops.activities;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The primary sandbox: Anthropic's sandbox runtime ({@code srt}, npm
 * {@code @anthropic-ai/sandbox-runtime}, the sandbox Claude Code runs its commands in), installed by
 * {@code deploy/lib.sh} with {@code npm ci} from {@code deploy/sandbox-runtime}. On Linux it runs the
 * command under bubblewrap with a PID and a network namespace of its own, a filtering HTTP and
 * SOCKS proxy on the host as the only way out (through a Unix socket bound into the sandbox), a
 * seccomp filter against new Unix sockets, and mandatory write-denies for {@code .git/hooks},
 * {@code .git/config}, shell profiles and other files tools execute.
 *
 * <p>It runs once per worker JVM and policy, not once per step: a {@link SandboxRuntimeServer}
 * keeps {@code srt}'s manager (its proxies and bridges) alive and turns each step's settings into
 * the bubblewrap command line that runs it, which the worker runs itself. The proxies filter by the
 * policy a server started with, and a name the step controls (the proxy's user name) is all that
 * would tell the steps of one server apart, so each distinct network policy (the spec's allowed
 * domains, already narrowed by the worker, and the denied ranges) gets a server of its own, started
 * when a step first needs it and kept while {@link #MAX_SERVERS} or fewer are alive (the idle one
 * used longest ago ends first); a server that died is started again on the next step.
 *
 * <p>Each step's settings: {@code network.allowedDomains} the spec's destinations, {@code filesystem.denyRead} the
 * data directory, the secrets of the worker's home, the tools root, the hidden paths and
 * {@code /tmp} (which the runtime replaces with an empty writable {@code tmpfs}: the step's own
 * {@code /tmp}, gone when it ends), {@code allowRead} the server's socket directory, the runtime's
 * installation, the step's environment file and the {@code /tmp} entries the command names,
 * {@code allowWrite} the workspace and the spec's writable paths.
 *
 * <p>{@code srt} runs {@code node}, a shell, {@code bwrap}, {@code bash} and {@code socat} before the
 * command (outside the sandbox or before its seccomp filter), each reading its environment
 * ({@code NODE_OPTIONS}, {@code BASH_ENV}, {@code LD_PRELOAD}…); so it gets a fixed environment of
 * the worker's ({@link EnvRules#outside}) and nothing of the step's, which the {@link StepEnvironment#LAUNCHER}
 * sets as the command's last step inside the sandbox, over the runtime's proxy variables.
 *
 * <p>{@code network.deniedResolvedAddresses} always lists the private ranges
 * ({@link Sandbox#PRIVATE_RANGES}) the worker does not allow, besides what the runtime refuses by
 * itself (loopback, link-local, metadata, the host's own addresses).
 */
final class SandboxRuntime {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Waits (at most about 1 s) until the runtime's bridges inside the sandbox listen (HTTP proxy on
   * port 3128, SOCKS on 1080: {@code 0C38} and {@code 0438} in {@code /proc/net/tcp}), then runs its
   * arguments. The runtime starts them in the background just before the command, so a quick first
   * connection could otherwise find nothing listening (seen as curl's exit 7 on a loaded machine).
   */
  static final String AWAIT_PROXY = "n=0; while [ $n -lt 100 ] && ! { grep -qi ':0C38 00000000:0000 0A' /proc/net/tcp"
      + " && grep -qi ':0438 00000000:0000 0A' /proc/net/tcp; } 2>/dev/null; do sleep 0.01; n=$((n+1)); done; exec \"$@\"";

  /** How many servers (network policies) stay alive at most while idle. */
  static final int MAX_SERVERS = 4;

  /**
   * The runtimes that passed their trial, by installation: one per JVM, whatever settings each
   * {@link Sandbox} has (the settings reach the runtime with each step), so its servers are shared.
   */
  private static final Map<Path, SandboxRuntime> RUNNING = new LinkedHashMap<>();

  private final String node;
  private final Path cli;
  private final String version;
  private final Map<String, SandboxRuntimeServer> servers = new LinkedHashMap<>(16, 0.75f, true);

  private SandboxRuntime(String node, Path cli, String version) {
    this.node = node;
    this.cli = cli;
    this.version = version;
  }

  /** E.g. {@code sandbox runtime 0.0.78 (srt)}. */
  String describe() {
    return "sandbox runtime " + version + " (srt)";
  }

  /**
   * Finds {@code srt}: in {@code configured} (the directory {@code npm ci} ran in, or the package's
   * own directory), else in {@code $DURABLE_LOOPS_TOOLS_ROOT/sandbox-runtime} (default
   * {@code ~/.local/share/durable-loops/sandbox-runtime}, where {@code deploy/lib.sh} puts it), else
   * {@code srt} on the {@code PATH}; the first time in this JVM, starts the server of steps with no
   * network and runs one command under it, with the namespaces and proxy a step gets (about 1.5 s),
   * then answers the same runtime.
   *
   * @param deniedRanges the private ranges an allowed name must not resolve to (part of the policy)
   * @return the runtime, or why there is none usable here
   */
  static Object detect(Path configured, List<String> deniedRanges) {
    Path cli = find(configured);
    if (cli == null) {
      return "srt not installed (deploy/lib.sh ensure_sandbox installs it" + (configured == null ? "" : "; looked in " + configured) + ")";
    }
    String node = Sandbox.onPath("node");
    if (node == null) {
      return "node not found on PATH (srt needs Node.js 20.11 or later)";
    }
    synchronized (RUNNING) {
      SandboxRuntime running = RUNNING.get(cli);
      if (running != null) {
        return running;
      }
      Object found = start(cli, node, deniedRanges);
      if (found instanceof SandboxRuntime runtime) {
        RUNNING.put(cli, runtime);
      }
      return found;
    }
  }

  /** The runtime of {@code cli} after a trial run, or why it does not work. */
  private static Object start(Path cli, String node, List<String> deniedRanges) {
    Path pkg = cli.getParent().getParent();
    String version = "?";
    try {
      Matcher m = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"").matcher(Files.readString(pkg.resolve("package.json")));
      version = m.find() ? m.group(1) : "?";
    } catch (IOException e) {
      // The version is for the description only.
    }
    SandboxRuntime runtime = new SandboxRuntime(node, cli, version);
    String problem = runtime.trial(deniedRanges);
    if (problem != null) {
      runtime.close();
      return problem;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(runtime::close, "srt-shutdown"));
    return runtime;
  }

  private static Path find(Path configured) {
    List<Path> candidates = new ArrayList<>();
    if (configured != null) {
      candidates.add(configured.resolve("node_modules/@anthropic-ai/sandbox-runtime/dist/cli.js"));
      candidates.add(configured.resolve("dist/cli.js"));
    } else {
      String root = System.getenv("DURABLE_LOOPS_TOOLS_ROOT");
      Path tools = root == null || root.isBlank() ? Path.of(System.getProperty("user.home"), ".local/share/durable-loops") : Path.of(root);
      candidates.add(tools.resolve("sandbox-runtime/node_modules/@anthropic-ai/sandbox-runtime/dist/cli.js"));
      String onPath = Sandbox.onPath("srt");
      if (onPath != null) {
        try {
          candidates.add(Path.of(onPath).toRealPath());
        } catch (IOException e) {
          // A dangling link is no runtime.
        }
      }
    }
    return candidates.stream().filter(Files::isRegularFile).findFirst().map(p -> p.toAbsolutePath().normalize()).orElse(null);
  }

  /** One run of {@code true} with no network and {@code /tmp} denied; {@code null} when it works. */
  private String trial(List<String> deniedRanges) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("durable-loops-srt-trial-");
      Sandbox.Wrapped wrapped = wrap(List.of("true"), false, EnvRules.outside(System.getenv()), List.of(), deniedRanges, List.of(),
          List.of(dir), List.of(dir), dir);
      try {
        ProcessBuilder pb = new ProcessBuilder(wrapped.argv()).directory(dir.toFile()).redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(wrapped.env());
        Process trial = pb.start();
        if (!trial.waitFor(30, TimeUnit.SECONDS)) {
          trial.descendants().forEach(ProcessHandle::destroyForcibly);
          trial.destroyForcibly();
          return "srt did not finish a trial run in 30 s";
        }
        String out = new String(trial.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return trial.exitValue() == 0 ? null
            : "srt cannot make a sandbox here (exit " + trial.exitValue() + ": " + out.lines().findFirst().orElse("") + ")";
      } finally {
        wrapped.cleanup().run();
      }
    } catch (IOException | StepException e) {
      return "cannot run srt: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while trying srt";
    } finally {
      if (dir != null) {
        WorkspaceFiles.deleteTree(dir);
      }
    }
  }

  /**
   * What runs one step: the command line ({@code /bin/sh -c <bwrap …>}), the environment it starts
   * with, and what to do afterwards (the runtime's clean-up, then the mount points it left).
   *
   * @param inner what runs inside the sandbox (the launcher, which sets the step's environment)
   * @param awaitProxy whether to wait for the proxy bridges first (the step may connect somewhere)
   * @param outside the worker's fixed environment for what runs before the sandbox ({@link EnvRules#outside})
   * @param domains where the step may connect, checked against the worker's list already
   * @param deniedRanges address ranges an allowed name must not resolve to
   * @param denyRead the data directory and the hidden paths
   * @param allowRead the {@code /tmp} entries the command names, the launcher's file and the object directories the
   *     workspace borrows ({@link SharedClones#borrowedObjects})
   * @param allowWrite the workspace and the spec's writable paths
   * @param workspace the working directory (the runtime protects its {@code .git/hooks} and {@code .git/config})
   * @throws IOException when a file of the step's launch cannot be written
   * @throws StepException {@code BAD_SPEC} when the runtime refuses the settings; {@code SANDBOX_UNAVAILABLE}
   *     (retryable) when no runtime can be started or it does not answer in time
   */
  Sandbox.Wrapped wrap(List<String> inner, boolean awaitProxy, Map<String, String> outside, List<String> domains,
      List<String> deniedRanges, List<Path> denyRead, List<Path> allowRead, List<Path> allowWrite, Path workspace) throws IOException {
    Map<String, Object> network = new LinkedHashMap<>();
    network.put("allowedDomains", domains);
    network.put("deniedDomains", List.of());
    network.put("deniedResolvedAddresses", deniedRanges);
    List<String> argv = new ArrayList<>();
    if (awaitProxy) {
      argv.addAll(List.of("sh", "-c", AWAIT_PROXY, "await-proxy"));
    }
    argv.addAll(inner);
    List<String> before = MountPoints.present(workspace);
    SandboxRuntimeServer server = null;
    SandboxRuntimeServer.Wrap wrap = null;
    for (int attempt = 0; wrap == null; attempt++) {
      try {
        server = server(network, outside);
      } catch (IOException e) {
        // It worked when the worker started (SandboxDetection): a runtime that cannot start now is the busy worker's.
        throw new StepException(StepException.Kind.SANDBOX_UNAVAILABLE, "the worker's sandbox runtime cannot start: " + e.getMessage(), e);
      }
      try {
        wrap = server.wrap(workspace, argv, settings(network, server.sockets(), denyRead, allowRead, allowWrite));
      } catch (IOException e) {
        if (attempt > 0 || server.alive()) {
          // The worker, not the step: Temporal retries it, and the next step starts a new runtime if this one ended.
          throw new StepException(StepException.Kind.SANDBOX_UNAVAILABLE, "the worker's sandbox runtime did not wrap the step's command: "
              + e.getMessage(), e);
        }
        // It died since the last step: the next attempt starts it again.
      } catch (IllegalArgumentException e) {
        throw new StepException(StepException.Kind.BAD_SPEC, "the sandbox runtime refuses this step's settings: " + e.getMessage());
      }
    }
    SandboxRuntimeServer used = server;
    long id = wrap.id();
    Runnable cleanup = () -> {
      used.done(id);
      MountPoints.removeLeftovers(workspace, before);
    };
    return new Sandbox.Wrapped(List.of("/bin/sh", "-c", wrap.line()), hostEnvironment(outside, server.sockets()), cleanup);
  }

  /** The step's settings, as {@code srt}'s settings file would hold them. */
  private Map<String, Object> settings(Map<String, Object> network, Path sockets, List<Path> denyRead, List<Path> allowRead,
      List<Path> allowWrite) {
    List<Path> deny = new ArrayList<>(denyRead);
    deny.add(Path.of("/tmp"));
    List<Path> read = new ArrayList<>(allowRead);
    read.add(sockets);
    read.add(cli.getParent().getParent());
    Map<String, Object> filesystem = new LinkedHashMap<>();
    filesystem.put("denyRead", strings(deny));
    filesystem.put("allowRead", strings(read));
    filesystem.put("allowWrite", strings(allowWrite));
    filesystem.put("denyWrite", List.of());
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("network", network);
    settings.put("filesystem", filesystem);
    return settings;
  }

  /**
   * The running server of {@code network}'s policy, started when there is none or it died; ends
   * the idle ones used longest ago past {@link #MAX_SERVERS}.
   */
  private synchronized SandboxRuntimeServer server(Map<String, Object> network, Map<String, String> outside) throws IOException {
    String key = JSON.writeValueAsString(network);
    SandboxRuntimeServer server = servers.get(key);
    if (server != null && server.alive()) {
      return server;
    }
    if (server != null) {
      servers.remove(key).close();
    }
    var idle = servers.entrySet().iterator();
    while (servers.size() >= MAX_SERVERS && idle.hasNext()) {
      SandboxRuntimeServer old = idle.next().getValue();
      if (old.active() == 0) {
        idle.remove();
        old.close();
      }
    }
    Path sockets = Files.createTempDirectory("durable-loops-srt-");
    try {
      server = new SandboxRuntimeServer(node, cli.getParent().getParent(), network, hostEnvironment(outside, sockets), sockets);
    } catch (IOException e) {
      WorkspaceFiles.deleteTree(sockets);
      throw e;
    }
    servers.put(key, server);
    return server;
  }

  /** Ends every server. */
  synchronized void close() {
    servers.values().forEach(SandboxRuntimeServer::close);
    servers.clear();
  }

  /** What {@code srt} itself needs: the worker's fixed environment, and where to put its sockets. */
  private static Map<String, String> hostEnvironment(Map<String, String> outside, Path sockets) {
    Map<String, String> env = new LinkedHashMap<>(outside);
    env.put("TMPDIR", sockets.toString());
    // The sandbox's TMPDIR: its /tmp, a tmpfs of its own.
    env.put("CLAUDE_CODE_TMPDIR", "/tmp");
    return env;
  }

  private static List<String> strings(List<Path> paths) {
    return paths.stream().map(Path::toString).toList();
  }
}
