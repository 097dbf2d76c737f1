package dev.durableloops.activities;

import dev.durableloops.workflows.spec.SandboxSpec;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How step commands are confined. With bubblewrap ({@code bwrap}, Debian's {@code bubblewrap}
 * package; the Linux sandbox Claude Code's and Codex's own sandboxes build on) each command runs as
 * {@code bwrap … -- sh -c <command>}:
 * <ul>
 *   <li>a PID namespace of its own ({@code --unshare-pid}; also {@code --unshare-ipc},
 *       {@code --new-session}, {@code --die-with-parent}): when the namespace's first process dies
 *       the kernel kills every process in it, so nothing a command starts outlives the step, whatever
 *       it does ({@code setsid}, a double fork, {@code nohup});</li>
 *   <li>the machine read-only ({@code --ro-bind / /}), every capability dropped
 *       ({@code --cap-drop ALL}, so a worker running as root cannot remount it), a fresh
 *       {@code /dev} and {@code /proc};</li>
 *   <li>writable: the loop's workspace, the step's own {@code /tmp} (a directory beside the loop's
 *       logs, emptied after each step; the entries of the machine's {@code /tmp} that the command
 *       or its environment name, such as a checkout or a tool there, stay readable) and the spec's
 *       {@code sandbox.writable} paths;</li>
 *   <li>invisible: the data directory (every loop's workspace, the git store, the API token file
 *       {@code <data>/api-token}, the worker id) and the configured hidden paths (the Temporal
 *       database, other secrets): an empty {@code tmpfs} over a directory, {@code /dev/null} over a
 *       file;</li>
 *   <li>no network when the spec says {@code sandbox.network: false} ({@code --unshare-net}).</li>
 * </ul>
 * Without bubblewrap (mode {@link Mode#NONE}, or {@link Mode#AUTO} on a machine where {@code bwrap}
 * is missing or cannot make namespaces) commands run as before, in a process group of their own;
 * {@link #describe()} says which, the worker logs it at start and each loop's state shows it.
 */
public final class Sandbox {

  /** Whether to use bubblewrap ({@code durable-loops.sandbox.mode}). */
  public enum Mode {
    /** bubblewrap where it works, else the process group alone; the default. */
    AUTO,
    /** bubblewrap or refuse to start. */
    BUBBLEWRAP,
    /** the process group alone. */
    NONE
  }

  private final String bwrap;
  private final String description;
  private final List<Path> hidden;
  private final ProcessLimit limit;

  private Sandbox(String bwrap, String description, List<Path> hidden, ProcessLimit limit) {
    this.bwrap = bwrap;
    this.description = description;
    this.hidden = hidden.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    this.limit = limit;
  }

  private static volatile Sandbox standard;

  /**
   * {@link Mode#AUTO} (or the mode the system property {@code durable-loops.sandbox.mode} names, for
   * benchmarks that compare) with no hidden paths besides the data directory and
   * {@link ProcessLimit#DEFAULT_MAX_PROCESSES}, detected once per JVM.
   */
  public static Sandbox standard() {
    Sandbox s = standard;
    if (s == null) {
      synchronized (Sandbox.class) {
        if (standard == null) {
          standard = detect(Mode.valueOf(System.getProperty("durable-loops.sandbox.mode", "AUTO")), List.of(),
              ProcessLimit.DEFAULT_MAX_PROCESSES);
        }
        s = standard;
      }
    }
    return s;
  }

  /** The process group alone and no process limit: what commands ran in before sandboxes existed. */
  public static Sandbox processGroupOnly() {
    return new Sandbox(null, "process group only (durable-loops.sandbox.mode=none)", List.of(), ProcessLimit.none("no process limit"));
  }

  /**
   * Looks for a working {@code bwrap} on the {@code PATH} (a trial run that makes the namespaces)
   * and a {@code pids} cgroup.
   *
   * @param mode whether bubblewrap is wanted
   * @param hidden paths commands must not see besides the data directory
   * @param maxProcesses processes and threads one step may have at once; {@code 0}: no cap
   * @throws IllegalStateException in mode {@link Mode#BUBBLEWRAP} when bubblewrap does not work here
   */
  public static Sandbox detect(Mode mode, List<Path> hidden, int maxProcesses) {
    ProcessLimit limit = ProcessLimit.detect(maxProcesses);
    if (mode == Mode.NONE) {
      return new Sandbox(null, "process group only (durable-loops.sandbox.mode=none); " + limit.describe(), hidden, limit);
    }
    String found = onPath("bwrap");
    String problem = found == null ? "bwrap not found on PATH (install Debian's bubblewrap package)" : trial(found);
    if (problem != null) {
      if (mode == Mode.BUBBLEWRAP) {
        throw new IllegalStateException("durable-loops.sandbox.mode=bubblewrap, but " + problem);
      }
      return new Sandbox(null, "process group only: " + problem + "; " + limit.describe(), hidden, limit);
    }
    return new Sandbox(found, version(found) + ": own PID namespace, read-only root, writable workspace and /tmp, data directory hidden; "
        + limit.describe(), hidden, limit);
  }

  /** Whether commands run under bubblewrap. */
  public boolean confined() {
    return bwrap != null;
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
   * The command line that runs {@code command} for one step.
   *
   * @param command the spec's shell command
   * @param env the command's environment (paths under {@code /tmp} it names stay readable)
   * @param workspace the loop's workspace (writable, the working directory)
   * @param stepTmp the step's own temporary directory, {@code /tmp} inside the sandbox
   * @param dataDir the worker's data directory (hidden)
   * @param spec the loop's sandbox spec
   * @throws StepException {@code BAD_SPEC} when the spec asks for what this worker cannot give
   *     (no network without bubblewrap) or must not (a writable path inside a hidden one)
   */
  List<String> argv(String command, Map<String, String> env, Path workspace, Path stepTmp, Path dataDir, SandboxSpec spec) {
    if (bwrap == null) {
      if (!spec.networkAllowed()) {
        throw new StepException(StepException.Kind.BAD_SPEC,
            "the spec asks for sandbox.network: false, but this worker has no sandbox to cut the network (" + description + ")");
      }
      return List.of("sh", "-c", command);
    }
    List<Path> invisible = new ArrayList<>(hidden);
    invisible.add(dataDir.toAbsolutePath().normalize());
    List<String> argv = new ArrayList<>(List.of(bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--new-session",
        "--cap-drop", "ALL", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--bind", stepTmp.toString(), "/tmp"));
    if (!spec.networkAllowed()) {
      argv.add("--unshare-net");
    }
    // Paths under the machine's /tmp that the command or its environment name (a checkout, a tool,
    // a PATH entry) stay readable; everything else in /tmp is the step's own.
    argv.addAll(namedTmpEntries(command, env));
    for (Path path : invisible) {
      if (Files.isDirectory(path)) {
        argv.addAll(List.of("--tmpfs", path.toString()));
      } else if (Files.exists(path)) {
        argv.addAll(List.of("--ro-bind", "/dev/null", path.toString()));
      }
    }
    argv.addAll(List.of("--bind", workspace.toString(), workspace.toString()));
    for (String writable : spec.writable() == null ? List.<String>of() : spec.writable()) {
      Path path = Path.of(writable).toAbsolutePath().normalize();
      for (Path hiddenPath : invisible) {
        if (path.startsWith(hiddenPath) || hiddenPath.startsWith(path)) {
          throw new StepException(StepException.Kind.BAD_SPEC,
              "sandbox.writable names " + writable + ", which would expose " + hiddenPath + " that commands must not see");
        }
      }
      argv.addAll(List.of("--bind-try", path.toString(), path.toString()));
    }
    argv.addAll(List.of("--chdir", workspace.toString(), "--", "sh", "-c", command));
    return argv;
  }

  private static final Pattern TMP_PATH = Pattern.compile("/tmp/([^/\\s:;'\"`$()|&<>]+)");

  /**
   * {@code --ro-bind-try} arguments for each top-level entry of {@code /tmp} that {@code command} or
   * a value of {@code env} names (binding every entry would cost a mount each: 2.2 s for 913
   * entries, measured).
   */
  static List<String> namedTmpEntries(String command, Map<String, String> env) {
    Set<String> names = new TreeSet<>();
    List<String> texts = new ArrayList<>(env.values());
    texts.add(command);
    for (String text : texts) {
      Matcher m = TMP_PATH.matcher(text);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    List<String> args = new ArrayList<>();
    for (String name : names) {
      Path entry = Path.of("/tmp", name);
      if (!name.equals("..") && !name.equals(".") && Files.exists(entry) && !Files.isSymbolicLink(entry)) {
        args.addAll(List.of("--ro-bind-try", entry.toString(), entry.toString()));
      }
    }
    return args;
  }

  private static String onPath(String name) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toAbsolutePath().toString();
      }
    }
    return null;
  }

  /** Runs {@code bwrap} once with the namespaces a step needs; {@code null} when it works. */
  private static String trial(String bwrap) {
    try {
      Process p = new ProcessBuilder(bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-net", "--cap-drop", "ALL",
          "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--", "true")
          .redirectErrorStream(true).start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return bwrap + " did not finish a trial run in 20 s";
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.exitValue() == 0 ? null : bwrap + " cannot make a sandbox here (exit " + p.exitValue() + ": " + out.lines().findFirst().orElse("") + ")";
    } catch (IOException e) {
      return "cannot run " + bwrap + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while trying " + bwrap;
    }
  }

  private static String version(String bwrap) {
    try {
      Process p = new ProcessBuilder(bwrap, "--version").redirectErrorStream(true).start();
      p.waitFor(10, TimeUnit.SECONDS);
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return out.isEmpty() ? "bubblewrap" : out;
    } catch (IOException e) {
      return "bubblewrap";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "bubblewrap";
    }
  }
}
