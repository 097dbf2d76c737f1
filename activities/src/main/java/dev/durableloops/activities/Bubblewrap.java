package dev.durableloops.activities;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The fallback sandbox when the sandbox runtime is not installed: bubblewrap ({@code bwrap},
 * Debian's {@code bubblewrap} package) with a hand-written argument list. Each command runs as
 * {@code bwrap … -- <launcher>}, the launcher setting the step's environment and becoming
 * {@code sh -c <command>} ({@link StepEnvironment#LAUNCHER}); {@code bwrap} itself gets the worker's fixed
 * environment ({@link EnvRules#outside}):
 * <ul>
 *   <li>a PID namespace of its own ({@code --unshare-pid}; also {@code --unshare-ipc},
 *       {@code --new-session}, {@code --die-with-parent}): when the namespace's first process dies
 *       the kernel kills every process in it;</li>
 *   <li>a network namespace of its own with nothing in it ({@code --unshare-net}), unless the
 *       worker gives steps the host's network: there is no filtering proxy here, so no
 *       destination can be allowed;</li>
 *   <li>the machine read-only ({@code --ro-bind / /}), every capability dropped
 *       ({@code --cap-drop ALL}, so a worker running as root cannot remount it), a fresh
 *       {@code /dev} and {@code /proc};</li>
 *   <li>writable: the workspace (but not its {@code .git/hooks} and {@code .git/config}), the
 *       step's own {@code /tmp} (a directory beside the loop's logs, emptied after each step; the
 *       entries of the machine's {@code /tmp} that the command or its environment name stay
 *       readable) and the spec's {@code sandbox.writable} paths;</li>
 *   <li>invisible: the data directory and the configured hidden paths: an empty {@code tmpfs} over
 *       a directory, {@code /dev/null} over a file.</li>
 * </ul>
 */
final class Bubblewrap {

  private final String bwrap;

  Bubblewrap(String bwrap) {
    this.bwrap = bwrap;
  }

  /**
   * The command line of one step.
   *
   * @param inner what runs inside: the launcher
   * @param readable files the launcher reads and the object directories the workspace borrows, bound read-only at
   *     their own path (they lie in the hidden data directory)
   * @param namedTmp paths under the machine's {@code /tmp} that stay readable
   * @param invisible the data directory and the hidden paths, absolute
   * @param writable the spec's writable paths, checked against {@code invisible} already
   * @param network whether the step keeps the host's network
   */
  List<String> argv(List<String> inner, List<Path> readable, List<Path> namedTmp, Path workspace, Path stepTmp, List<Path> invisible, List<Path> writable,
      boolean network) {
    List<String> argv = new ArrayList<>(List.of(bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--new-session",
        "--cap-drop", "ALL", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--bind", stepTmp.toString(), "/tmp"));
    if (!network) {
      argv.add("--unshare-net");
    }
    // Paths under the machine's /tmp that the command or its environment name (a checkout, a tool,
    // a PATH entry) stay readable; everything else in /tmp is the step's own.
    for (Path entry : namedTmp) {
      argv.addAll(List.of("--ro-bind-try", entry.toString(), entry.toString()));
    }
    for (Path path : invisible) {
      if (Files.isDirectory(path)) {
        argv.addAll(List.of("--tmpfs", path.toString()));
      } else if (Files.exists(path)) {
        argv.addAll(List.of("--ro-bind", "/dev/null", path.toString()));
      }
    }
    for (Path file : readable) {
      argv.addAll(List.of("--ro-bind", file.toString(), file.toString()));
    }
    argv.addAll(List.of("--bind", workspace.toString(), workspace.toString()));
    // What git runs or reads as configuration stays as the worker left it (the sandbox runtime
    // write-protects these and more by itself).
    for (String protectedPath : List.of(".git/hooks", ".git/config")) {
      Path path = workspace.resolve(protectedPath);
      argv.addAll(List.of("--ro-bind-try", path.toString(), path.toString()));
    }
    for (Path path : writable) {
      argv.addAll(List.of("--bind-try", path.toString(), path.toString()));
    }
    argv.addAll(List.of("--chdir", workspace.toString(), "--"));
    argv.addAll(inner);
    return argv;
  }

  /** Runs {@code bwrap} once with the namespaces a step needs; {@code null} when it works, else why not. */
  static String trial(String bwrap) {
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

  /** E.g. {@code bubblewrap 0.8.0}. */
  static String version(String bwrap) {
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
