package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandRunnerTest {

  @TempDir Path tmp;
  final CommandRunner runner = new CommandRunner();

  /** {@code sh -c <command>} in {@code cwd}, unconfined (no sandbox, no cgroup): what is tested here is the runner itself. */
  static CommandRunner.Launch plain(String command, Path cwd) {
    return new CommandRunner.Launch(command, java.util.List.of("sh", "-c", command), cwd, null);
  }

  private CommandRunner.Run run(String command, Duration timeout, CommandRunner.Progress progress) {
    return runner.run(plain(command, tmp), Map.of("GREETING", "hi there"), timeout, tmp.resolve("out.log"), null, tmp.resolve("pid"), progress);
  }

  @Test
  void reportsExitCodeOutputAndEnvironment() {
    CommandRunner.Run r = run("echo \"$GREETING\"; echo oops >&2; exit 3", Duration.ofSeconds(30), CommandRunner.Progress.NONE);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.timedOut()).isFalse();
    assertThat(r.tail()).isEqualTo("hi there\noops");
    assertThat(tmp.resolve("pid")).doesNotExist();
  }

  @Test
  void aTimeoutKillsTheWholeProcessGroup() throws Exception {
    // The shell starts a background grandchild that would outlive a plain kill of the shell.
    CommandRunner.Run r =
        run("(sleep 30; echo late > late.txt) & echo $! > child.pid; sleep 30", Duration.ofSeconds(1), CommandRunner.Progress.NONE);
    assertThat(r.timedOut()).isTrue();
    assertThat(r.exitCode()).isEqualTo(-1);
    long child = Long.parseLong(Files.readString(tmp.resolve("child.pid")).trim());
    waitGone(child);
    assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(r.tail()).contains("killed after the step timeout of PT1S");
  }

  @Test
  void aHeartbeatThatThrowsCancelsAndKillsTheGroup() throws Exception {
    AtomicInteger beats = new AtomicInteger();
    assertThatThrownBy(
            () -> run("echo $$ > shell.pid; sleep 60", Duration.ofMinutes(1), (status, tail, bytes) -> {
              if (beats.incrementAndGet() >= 1) {
                throw new IllegalStateException("cancelled");
              }
            }))
        .hasMessage("cancelled");
    long shell = Long.parseLong(Files.readString(tmp.resolve("shell.pid")).trim());
    waitGone(shell);
    assertThat(ProcessHandle.of(shell).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void aGroupLeftByADeadWorkerIsReapedBeforeTheNextCommand() throws Exception {
    Process leftover = new ProcessBuilder("setsid", "sleep", "60").start();
    Files.writeString(tmp.resolve("pid"), leftover.pid() + " " + leftover.toHandle().info().startInstant().orElseThrow());
    CommandRunner.Run r = run("true", Duration.ofSeconds(10), CommandRunner.Progress.NONE);
    assertThat(r.exitCode()).isZero();
    assertThat(leftover.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void stdoutCanBeKeptApart() {
    runner.run(plain("echo task-1; echo noise >&2", tmp), Map.of(), Duration.ofSeconds(10), tmp.resolve("err.log"), tmp.resolve("out.txt"),
        tmp.resolve("pid"), CommandRunner.Progress.NONE);
    assertThat(StepLogs.read(tmp.resolve("out.txt"))).isEqualTo("task-1\n");
    assertThat(StepLogs.read(tmp.resolve("err.log"))).isEqualTo("noise\n");
  }

  @Test
  void aRunawayWriterIsKilledAtTheOutputCap() throws Exception {
    CommandRunner capped = new CommandRunner(1 << 20);
    CommandRunner.Run r = capped.run(plain("yes durable-loops", tmp), Map.of("PATH", "/usr/bin:/bin"), Duration.ofMinutes(1),
        tmp.resolve("out.log"), null, tmp.resolve("pid"), CommandRunner.Progress.NONE);
    assertThat(r.exitCode()).isEqualTo(-1);
    assertThat(r.timedOut()).isFalse();
    assertThat(r.durationMillis()).isLessThan(30_000);
    assertThat(Files.size(tmp.resolve("out.log"))).isLessThan((1 << 20) + 200);
    assertThat(r.tail()).endsWith("killed: output passed the cap of 1048576 bytes");
  }

  @Test
  void commandsSeeOnlyTheEnvironmentTheyAreGiven() throws Exception {
    run("env > env.txt", Duration.ofSeconds(10), CommandRunner.Progress.NONE);
    assertThat(Files.readAllLines(tmp.resolve("env.txt"))).filteredOn(l -> !l.startsWith("PWD=") && !l.startsWith("SHLVL=") && !l.startsWith("_="))
        .containsExactly("GREETING=hi there");
  }

  /** Waits (at most 5 s) until process {@code pid} is gone; the caller asserts that it is. */
  private static void waitGone(long pid) {
    try {
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
          .until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // The assertion after it says what is still alive.
    }
  }
}
