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
 * <p>Each step gets a settings file of its own, written beside the loop's logs in the data
 * directory (which the step cannot see): {@code network.allowedDomains} the spec's destinations
 * (already narrowed by the worker), {@code filesystem.denyRead} the data directory, the secrets of
 * the worker's home, the tools root, the hidden paths and {@code /tmp} (which the runtime replaces
 * with an empty writable {@code tmpfs}: the step's own {@code /tmp}, gone when it ends),
 * {@code allowRead} the runtime's own socket directory, its installation, the step's environment
 * file and the {@code /tmp} entries the command names, {@code allowWrite} the workspace and the
 * spec's writable paths.
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

  private final String node;
  private final Path cli;
  private final String version;

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
   * {@code srt} on the {@code PATH}; runs it once with the namespaces and proxy a step gets.
   *
   * @return the runtime, or why there is none usable here
   */
  static Object detect(Path configured) {
    Path cli = find(configured);
    if (cli == null) {
      return "srt not installed (deploy/lib.sh ensure_sandbox installs it" + (configured == null ? "" : "; looked in " + configured) + ")";
    }
    String node = Sandbox.onPath("node");
    if (node == null) {
      return "node not found on PATH (srt needs Node.js 20.11 or later)";
    }
    Path pkg = cli.getParent().getParent();
    String version = "?";
    try {
      Matcher m = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"").matcher(Files.readString(pkg.resolve("package.json")));
      version = m.find() ? m.group(1) : "?";
    } catch (IOException e) {
      // The version is for the description only.
    }
    SandboxRuntime runtime = new SandboxRuntime(node, cli, version);
    String problem = runtime.trial();
    return problem == null ? runtime : problem;
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
  private String trial() {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("durable-loops-srt-");
      Path settings = dir.resolve("settings.json");
      writeSettings(settings, List.of(), Sandbox.PRIVATE_RANGES, List.of(Path.of("/tmp")), List.of(dir), List.of());
      Map<String, String> env = hostEnvironment(EnvRules.outside(System.getenv()), dir);
      ProcessBuilder pb = new ProcessBuilder(command(settings, List.of("true"))).directory(dir.toFile()).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      pb.environment().clear();
      pb.environment().putAll(env);
      Process trial = pb.start();
      if (!trial.waitFor(30, TimeUnit.SECONDS)) {
        trial.descendants().forEach(ProcessHandle::destroyForcibly);
        trial.destroyForcibly();
        return "srt did not finish a trial run in 30 s";
      }
      String out = new String(trial.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return trial.exitValue() == 0 ? null
          : "srt cannot make a sandbox here (exit " + trial.exitValue() + ": " + out.lines().findFirst().orElse("") + ")";
    } catch (IOException e) {
      return "cannot run srt: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while trying srt";
    } finally {
      if (dir != null) {
        GitWorkspace.deleteTree(dir);
      }
    }
  }

  /**
   * What runs one step: the command line, the environment {@code srt} starts with, and what to
   * remove afterwards.
   *
   * @param inner what runs inside the sandbox (the launcher, which sets the step's environment)
   * @param awaitProxy whether to wait for the proxy bridges first (the step may connect somewhere)
   * @param outside the worker's fixed environment for {@code srt} ({@link EnvRules#outside})
   * @param settings where to write the step's settings file (outside anything the step can see)
   * @param domains where the step may connect, checked against the worker's list already
   * @param deniedRanges address ranges an allowed name must not resolve to
   * @param denyRead the data directory and the hidden paths
   * @param allowRead the {@code /tmp} entries the command names and the launcher's file
   * @param allowWrite the workspace and the spec's writable paths
   */
  Sandbox.Wrapped wrap(List<String> inner, boolean awaitProxy, Map<String, String> outside, Path settings, List<String> domains,
      List<String> deniedRanges, List<Path> denyRead, List<Path> allowRead, List<Path> allowWrite, Path workspace) throws IOException {
    Path sockets = Files.createTempDirectory("durable-loops-srt-");
    List<Path> deny = new ArrayList<>(denyRead);
    deny.add(Path.of("/tmp"));
    List<Path> read = new ArrayList<>(allowRead);
    read.add(sockets);
    read.add(cli.getParent().getParent());
    writeSettings(settings, domains, deniedRanges, deny, read, allowWrite);
    List<String> argv = new ArrayList<>();
    if (awaitProxy) {
      argv.addAll(List.of("sh", "-c", AWAIT_PROXY, "await-proxy"));
    }
    argv.addAll(inner);
    List<String> before = MountPoints.present(workspace);
    Runnable cleanup = () -> {
      GitWorkspace.deleteTree(sockets);
      MountPoints.removeLeftovers(workspace, before);
      try {
        Files.deleteIfExists(settings);
      } catch (IOException e) {
        // Rewritten before the next step.
      }
    };
    return new Sandbox.Wrapped(command(settings, argv), hostEnvironment(outside, sockets), cleanup);
  }

  /** {@code node <cli.js> --settings <file> -- <argv…>}. */
  private List<String> command(Path settings, List<String> argv) {
    List<String> line = new ArrayList<>(List.of(node, cli.toString(), "--settings", settings.toString(), "--"));
    line.addAll(argv);
    return line;
  }

  /** What {@code srt} itself needs: the worker's fixed environment, and where to put its sockets. */
  private static Map<String, String> hostEnvironment(Map<String, String> outside, Path sockets) {
    Map<String, String> env = new LinkedHashMap<>(outside);
    env.put("TMPDIR", sockets.toString());
    // The sandbox's TMPDIR: its /tmp, a tmpfs of its own.
    env.put("CLAUDE_CODE_TMPDIR", "/tmp");
    return env;
  }

  static void writeSettings(Path file, List<String> domains, List<String> deniedRanges, List<Path> denyRead, List<Path> allowRead,
      List<Path> allowWrite) throws IOException {
    Map<String, Object> network = new LinkedHashMap<>();
    network.put("allowedDomains", domains);
    network.put("deniedDomains", List.of());
    network.put("deniedResolvedAddresses", deniedRanges);
    Map<String, Object> filesystem = new LinkedHashMap<>();
    filesystem.put("denyRead", strings(denyRead));
    filesystem.put("allowRead", strings(allowRead));
    filesystem.put("allowWrite", strings(allowWrite));
    filesystem.put("denyWrite", List.of());
    Files.createDirectories(file.getParent());
    Files.writeString(file, JSON.writeValueAsString(Map.of("network", network, "filesystem", filesystem)));
  }

  private static List<String> strings(List<Path> paths) {
    return paths.stream().map(Path::toString).toList();
  }
}
