package dev.durableloops.activities;

import dev.durableloops.workflows.steps.StepOutput;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one step command (the {@link Sandbox}'s command line: {@code srt … -- sh -c <command>},
 * {@code bwrap … -- sh -c <command>} or {@code sh -c <command>}) under the {@link Supervisor}: in
 * its own session and process group, stdin from {@code /dev/null}, output to a log file, and, where
 * the machine has a {@code pids} cgroup, in the loop's cgroup ({@link ProcessLimit}), joined before
 * the command is executed. The supervisor holds a pipe from this JVM; closing it (or the JVM's
 * death) makes it kill everything of the step. On timeout, cancellation (a heartbeat that throws),
 * the output cap, the process cap or any error the pipe is closed, and the process group, every
 * descendant and every process left in the cgroup are killed with {@code SIGKILL}, so no maker keeps
 * editing the workspace after its activity has ended.
 *
 * <p>The pid and start time of the running group are kept in a file beside the loop's logs; the
 * next command of the same loop kills a group still recorded there (left behind by a worker that
 * died), after checking the start time so a reused pid is never hit.
 */
final class CommandRunner {

  /** Heartbeat interval while a command runs (the workflow's {@code Steps.HEARTBEAT_TIMEOUT} is 10 s). */
  static final Duration POLL = Duration.ofSeconds(2);

  /** How often the output size is checked against the cap. */
  static final Duration SIZE_CHECK = Duration.ofMillis(200);

  private final long outputCapBytes;

  /**
   * @param outputCapBytes bytes of output a command may write before it is killed
   */
  CommandRunner(long outputCapBytes) {
    this.outputCapBytes = outputCapBytes;
  }

  /** A runner with {@link CommandPolicy#DEFAULT_OUTPUT_CAP}. */
  CommandRunner() {
    this(CommandPolicy.DEFAULT_OUTPUT_CAP);
  }

  /**
   * Characters of output tail carried in results ({@code MakeResult}, {@code CheckEvidence},
   * {@code DeliverResult}): they enter history with every iteration, so half of what a heartbeat
   * carries ({@link StepOutput#TAIL_CHARS}), which is replaced by the next one.
   */
  static final int TAIL_CHARS = 2_000;

  /** Lines of output tail carried in results. */
  static final int TAIL_LINES = 40;

  private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);

  /** Called about every {@link #POLL} while a command runs; may throw to cancel it. */
  interface Progress {
    /**
     * @param status what the step is doing
     * @param tail the output's last lines, at most {@link StepOutput#TAIL_CHARS} characters
     * @param outputBytes bytes of output so far
     */
    void beat(String status, String tail, long outputBytes);

    /**
     * {@code tail}, an output's end cut at its start, made fit to carry in {@link #beat}; applied to
     * each of the stdout and stderr tails before they are joined, so a cut at the start of either is
     * seen ({@link LiveOutput} replaces secrets, even one the cut falls into). Unchanged by default.
     */
    default String cut(String tail) {
      return tail;
    }

    Progress NONE = (status, tail, bytes) -> {};
  }

  /**
   * What a command did.
   *
   * @param exitCode the exit code, {@code -1} when killed on timeout
   * @param timedOut whether the timeout killed it
   * @param durationMillis wall time, ms
   * @param log the combined output file
   */
  record Run(int exitCode, boolean timedOut, long durationMillis, Path log) {
    String tail() {
      return CommandRunner.tail(log);
    }
  }

  /**
   * What to start.
   *
   * @param command the spec's shell command, for messages
   * @param argv the command line: {@code sh -c <command>}, or the sandbox's {@code srt|bwrap … -- sh -c <command>}
   * @param cwd the working directory
   * @param group the cgroup the command joins before it runs, or {@code null}
   */
  record Launch(String command, List<String> argv, Path cwd, ProcessLimit.Group group) {}

  /**
   * Runs a command and waits for it: {@link #start} then {@link #run(PendingCommand, String, List, Map, Duration, Progress)}.
   *
   * @param launch the command line, working directory and cgroup
   * @param env the whole environment of the command (nothing else is inherited)
   * @param timeout how long it may run
   * @param logFile where stdout and stderr go (truncated first)
   * @param stdoutFile where stdout goes alone, or {@code null} to put it in {@code logFile}
   * @param pidFile where the running group is recorded
   * @param progress heartbeat callback
   * @throws StepException {@code COMMAND_START_FAILED} when the process cannot start
   */
  Run run(
      Launch launch,
      Map<String, String> env,
      Duration timeout,
      Path logFile,
      Path stdoutFile,
      Path pidFile,
      Progress progress) {
    try (PendingCommand pending = PendingCommand.start(launch.cwd(), launch.group(), logFile, stdoutFile, pidFile)) {
      return run(pending, launch.command(), launch.argv(), env, timeout, progress);
    }
  }

  /**
   * Starts the supervisor of a command whose environment and command line come later
   * ({@link PendingCommand#start}).
   */
  PendingCommand start(Path cwd, ProcessLimit.Group group, Path logFile, Path stdoutFile, Path pidFile) {
    return PendingCommand.start(cwd, group, logFile, stdoutFile, pidFile);
  }

  /**
   * Runs {@code argv} in {@code pending} and waits for it. A supervisor that ended while it waited
   * for {@code argv} (killed) makes a run that ended with its exit code, the reason in the log.
   *
   * @param command the spec's shell command, for messages
   * @param argv the command line: {@code sh -c <command>}, or the sandbox's {@code srt|bwrap … -- sh -c <command>}
   * @param env the whole environment of the command (nothing else is inherited)
   * @param timeout how long it may run
   * @param progress heartbeat callback
   * @throws StepException {@code COMMAND_START_FAILED} when the process cannot start
   */
  Run run(PendingCommand pending, String command, List<String> argv, Map<String, String> env, Duration timeout, Progress progress) {
    ProcessLimit.Group group = pending.group();
    Path logFile = pending.logFile();
    Path stdoutFile = pending.stdoutFile();
    Path pidFile = pending.pidFile();
    Process process = pending.hand(command, argv, env);
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    long nextBeat = started + POLL.toNanos();
    boolean done = false;
    boolean capped = false;
    boolean limited = false;
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        if (process.waitFor(Math.min(left, SIZE_CHECK.toNanos()), TimeUnit.NANOSECONDS)) {
          done = true;
          break;
        }
        if (size(logFile) + size(stdoutFile) > outputCapBytes) {
          capped = true;
          break;
        }
        if (group != null && group.limitReached()) {
          limited = true;
          break;
        }
        if (System.nanoTime() >= nextBeat) {
          nextBeat += POLL.toNanos();
          progress.beat("running", liveTail(logFile, stdoutFile, progress::cut), size(logFile) + size(stdoutFile));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill(process, group);
      throw new IllegalStateException("interrupted while running '" + command + "'", e);
    } catch (RuntimeException e) {
      kill(process, group);
      throw e;
    } finally {
      if (!done) {
        kill(process, group);
      }
      deleteQuietly(pidFile);
    }
    long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
    if (capped) {
      truncate(logFile, outputCapBytes);
      truncate(stdoutFile, outputCapBytes);
      appendQuietly(logFile, "\n[durable-loops] killed: output passed the cap of " + outputCapBytes + " bytes\n");
      return new Run(-1, false, millis, logFile);
    }
    // A command that hit the cap and exited at once (its shell could not fork) failed for the cap too.
    limited = limited || (group != null && group.limitReached());
    if (limited) {
      kill(process, group);
      appendQuietly(logFile, "\n[durable-loops] killed: the step reached its limit of " + group.max()
          + " processes (durable-loops.sandbox.max-processes)\n");
      return new Run(-1, false, millis, logFile);
    }
    if (!done) {
      appendQuietly(logFile, "\n[durable-loops] killed after the step timeout of " + timeout + "\n");
      return new Run(-1, true, millis, logFile);
    }
    // The group may still hold background children of a finished shell; they must not outlive it.
    kill(process, group);
    return new Run(process.exitValue(), false, millis, logFile);
  }

  /**
   * Kills the step: closes the supervisor's pipe and gives it {@link #SUPERVISOR_GRACE} to kill
   * everything and exit, then kills the process group, every descendant still known and everything
   * left in the cgroup from here as well.
   */
  static void kill(Process process, ProcessLimit.Group group) {
    try {
      process.getOutputStream().close();
      process.waitFor(SUPERVISOR_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (IOException e) {
      log.debug("could not close the supervisor's pipe: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    killGroup(process);
    if (group != null) {
      group.killAll();
    }
  }

  /** How long the supervisor may take to kill a step before the runner kills what it knows itself. */
  static final Duration SUPERVISOR_GRACE = Duration.ofSeconds(5);

  /**
   * Kills the process group led by {@code process}, and every descendant still known. Under the
   * {@link Supervisor} the started process leads no group (it stays in this JVM's; the command's
   * group is the one its child made with {@code setsid}, which the supervisor kills, and whose
   * members are the supervisor's descendants while it lives), so no {@code kill} is run for it:
   * starting one cost every step about 3 ms (BENCHMARKS.md, "Where a step's time goes").
   */
  static void killGroup(Process process) {
    List<ProcessHandle> descendants = process.descendants().toList();
    if (!Supervisor.available()) {
      killGroup(process.pid());
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private static void killGroup(long pgid) {
    try {
      Process kill = new ProcessBuilder("kill", "-KILL", "--", "-" + pgid).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      kill.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      log.warn("could not run kill for process group {}: {}", pgid, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Kills a group a dead worker or an abandoned attempt left running, if its recorded start time still matches. */
  static void reapLeftover(Path pidFile) {
    if (!Files.exists(pidFile)) {
      return;
    }
    try {
      String[] parts = Files.readString(pidFile).trim().split(" ");
      long pid = Long.parseLong(parts[0]);
      Optional<ProcessHandle> handle = ProcessHandle.of(pid);
      if (handle.isPresent() && startOf(handle.get()).map(Instant::toString).orElse("?").equals(parts[1])) {
        log.info("killing process group {} left running by an earlier attempt", pid);
        handle.get().descendants().forEach(ProcessHandle::destroyForcibly);
        killGroup(pid);
        handle.get().destroyForcibly();
      }
    } catch (IOException | RuntimeException e) {
      log.warn("ignoring unreadable pid file {}: {}", pidFile, e.getMessage());
    }
    deleteQuietly(pidFile);
  }

  static Optional<Instant> startOf(ProcessHandle handle) {
    return handle.info().startInstant();
  }

  /** The last {@link #TAIL_LINES} lines of a file, at most {@link #TAIL_CHARS} characters. */
  static String tail(Path file) {
    return tail(file, TAIL_LINES, TAIL_CHARS);
  }

  /**
   * What a running command has printed: the tail of its output, or when stdout goes to a file of
   * its own, both tails under {@code [stdout]} and {@code [stderr]}; at most
   * {@link StepOutput#TAIL_CHARS} characters before {@code cut}.
   *
   * @param cut applied to each tail before they are joined ({@link Progress#cut})
   */
  static String liveTail(Path logFile, Path stdoutFile, java.util.function.UnaryOperator<String> cut) {
    if (stdoutFile == null) {
      return cut.apply(tail(logFile, LIVE_LINES, StepOutput.TAIL_CHARS));
    }
    int half = StepOutput.TAIL_CHARS / 2 - 20;
    return "[stdout]\n" + cut.apply(tail(stdoutFile, LIVE_LINES / 2, half)) + "\n[stderr]\n" + cut.apply(tail(logFile, LIVE_LINES / 2, half));
  }

  /** Lines of output carried live at most. */
  static final int LIVE_LINES = 80;

  private static String tail(Path file, int maxLines, int maxChars) {
    if (file == null || !Files.exists(file)) {
      return "";
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      int size = (int) Math.min(length, 16 * 1024);
      byte[] buffer = new byte[size];
      raf.seek(length - size);
      raf.readFully(buffer);
      String text = new String(buffer, StandardCharsets.UTF_8).replace("\r", "");
      String[] lines = text.split("\n", -1);
      int from = Math.max(0, lines.length - maxLines - 1);
      String tail = String.join("\n", List.of(lines).subList(from, lines.length)).strip();
      return dev.durableloops.workflows.Texts.tail(tail, maxChars);
    } catch (IOException e) {
      return "(output unreadable: " + e.getMessage() + ")";
    }
  }

  static void appendQuietly(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      log.debug("could not append to {}: {}", file, e.getMessage());
    }
  }

  private static long size(Path file) {
    try {
      return file == null || !Files.exists(file) ? 0 : Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  /** Cuts a runaway command's output back to the cap, so the disk keeps no more than that. */
  private static void truncate(Path file, long max) {
    if (file == null || size(file) <= max) {
      return;
    }
    try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      channel.truncate(max);
    } catch (IOException e) {
      log.warn("could not truncate {}: {}", file, e.getMessage());
    }
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.debug("could not delete {}: {}", file, e.getMessage());
    }
  }
}
