package dev.durableloops.activities;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A step's process started before its command line is known: the {@link Supervisor} in its late
 * mode ({@link Supervisor#commandLine}), whose child joins the loop's cgroup while the worker
 * asks the sandbox for the command line; {@link #hand} then writes the command's environment and
 * command line on the supervisor's pipe. Without the supervisor (no {@code perl}), nothing is
 * started until {@link #hand}. Closing it before {@link #hand} kills whatever it started; after,
 * {@link CommandRunner#run(PendingCommand, String, List, Map, java.time.Duration, CommandRunner.Progress)}
 * owns the process.
 */
final class PendingCommand implements AutoCloseable {

  private final ProcessBuilder builder;
  private final ProcessLimit.Group group;
  private final Path logFile;
  private final Path stdoutFile;
  private final Path pidFile;
  private Process process;
  private boolean handed;

  private PendingCommand(ProcessBuilder builder, ProcessLimit.Group group, Path logFile, Path stdoutFile, Path pidFile) {
    this.builder = builder;
    this.group = group;
    this.logFile = logFile;
    this.stdoutFile = stdoutFile;
    this.pidFile = pidFile;
  }

  /**
   * Starts the supervisor of a command in {@code cwd} whose environment and command line come later,
   * with an empty environment of its own: its child joins {@code group} meanwhile. The leftover of
   * an earlier attempt recorded in {@code pidFile} is killed first.
   *
   * @param group the loop's cgroup the command joins, or {@code null}
   * @param logFile where stdout and stderr go (truncated first)
   * @param stdoutFile where stdout goes alone, or {@code null} to put it in {@code logFile}
   * @param pidFile where the running group is recorded
   * @throws StepException {@code COMMAND_START_FAILED} when the supervisor cannot start
   */
  static PendingCommand start(Path cwd, ProcessLimit.Group group, Path logFile, Path stdoutFile, Path pidFile) {
    CommandRunner.reapLeftover(pidFile);
    ProcessBuilder pb = new ProcessBuilder(List.of("true")).directory(cwd.toFile());
    pb.environment().clear();
    // The supervisor's stdin is a pipe from this JVM: its end of file (a close, or this JVM's death)
    // is the signal to kill the step. The command itself reads /dev/null.
    pb.redirectInput(Supervisor.available() ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(new File("/dev/null")));
    PendingCommand pending = new PendingCommand(pb, group, logFile, stdoutFile, pidFile);
    try {
      Files.createDirectories(logFile.getParent());
      if (stdoutFile == null) {
        pb.redirectErrorStream(true);
        pb.redirectOutput(logFile.toFile());
      } else {
        pb.redirectOutput(stdoutFile.toFile());
        pb.redirectError(logFile.toFile());
      }
      if (Supervisor.available()) {
        pending.launch(Supervisor.commandLine(group == null ? null : group.procs().toString()));
      }
    } catch (IOException e) {
      pending.close();
      throw new StepException(StepException.Kind.COMMAND_START_FAILED, "cannot start the step supervisor in " + cwd + ": " + e.getMessage(), e);
    }
    return pending;
  }

  /**
   * Hands the command to the supervisor (or, without one, starts it) and gives up the process to the
   * caller, which must see it end. A supervisor that ended while it waited for the command (killed)
   * is given up as it is, its exit code the step's, the reason in the log.
   *
   * @param command the spec's shell command, for messages
   * @param argv the command line
   * @param env the whole environment of the command (nothing else is inherited)
   * @throws StepException {@code COMMAND_START_FAILED} when it cannot be handed or started; whatever
   *     was started is killed then
   */
  Process hand(String command, List<String> argv, Map<String, String> env) {
    try {
      if (process == null) {
        builder.environment().putAll(env);
        launch(Supervisor.withoutSupervisor(group == null ? null : group.procs().toString(), argv));
      } else {
        byte[] frame = Supervisor.frame(env, argv);
        try {
          OutputStream pipe = process.getOutputStream();
          pipe.write(frame);
          pipe.flush();
        } catch (IOException e) {
          // A supervisor that ended while it waited (a SIGKILL, the OOM killer) ends the step as it
          // would have a moment later, with its exit code: a killed step, not a command that cannot start.
          if (!ended(process)) {
            throw e;
          }
          CommandRunner.appendQuietly(logFile, "[durable-loops] the step's supervisor ended (exit " + process.exitValue()
              + ") before its command started\n");
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      close();
      throw new StepException(StepException.Kind.COMMAND_START_FAILED,
          "cannot start '" + command + "' in " + builder.directory() + ": " + e.getMessage(), e);
    }
    handed = true;
    return process;
  }

  ProcessLimit.Group group() {
    return group;
  }

  Path logFile() {
    return logFile;
  }

  Path stdoutFile() {
    return stdoutFile;
  }

  Path pidFile() {
    return pidFile;
  }

  /** Whether {@code process} has ended or ends within {@link CommandRunner#SUPERVISOR_GRACE}. */
  private static boolean ended(Process process) {
    try {
      return process.waitFor(CommandRunner.SUPERVISOR_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void launch(List<String> commandLine) throws IOException {
    process = builder.command(commandLine).start();
    Files.createDirectories(pidFile.getParent());
    Files.writeString(pidFile, process.pid() + " " + CommandRunner.startOf(process.toHandle()).map(Instant::toString).orElse("?"));
  }

  /** Kills what was started unless it was handed a command. */
  @Override
  public void close() {
    if (!handed && process != null) {
      handed = true;
      CommandRunner.kill(process, group);
      CommandRunner.deleteQuietly(pidFile);
    }
  }
}
