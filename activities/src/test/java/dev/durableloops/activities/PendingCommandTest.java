package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor started before its command line is known ({@link CommandRunner#start}): what it
 * is handed later runs whole, and nothing runs when it is closed first or handed what no command
 * line can carry.
 */
class PendingCommandTest {

  @TempDir Path tmp;
  final CommandRunner runner = new CommandRunner();

  @BeforeEach
  void needsTheSupervisor() {
    assumeThat(Supervisor.available()).as("perl on the PATH, for the step supervisor").isTrue();
  }

  private PendingCommand pending() {
    return runner.start(tmp, null, tmp.resolve("out.log"), null, tmp.resolve("pid"));
  }

  @Test
  void theCommandLineAndEnvironmentArriveWhole() throws Exception {
    try (PendingCommand pending = pending()) {
      CommandRunner.Run run = runner.run(pending, "printf", List.of("sh", "-c", "printf '[%s]' \"$@\"; printf '{%s}' \"$V\"; printf '<%s>' \"${HOME-unset}\"",
          "x", "", "é b", "a=b", "--"), Map.of("V", "1=2 ü"), Duration.ofSeconds(30), CommandRunner.Progress.NONE);

      assertThat(run.exitCode()).isZero();
      assertThat(Files.readString(tmp.resolve("out.log"), StandardCharsets.UTF_8)).isEqualTo("[][é b][a=b][--]{1=2 ü}<unset>");
    }
  }

  @Test
  void closedBeforeItsCommandItRunsNothingAndLeavesNothing() throws Exception {
    ProcessHandle supervisor;
    List<ProcessHandle> children;
    try (PendingCommand pending = pending()) {
      supervisor = ProcessHandle.of(Long.parseLong(Files.readString(tmp.resolve("pid")).split(" ")[0])).orElseThrow();
      await().atMost(Duration.ofSeconds(10)).until(() -> supervisor.children().findAny().isPresent());
      children = supervisor.children().toList();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !supervisor.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive));
    assertThat(tmp.resolve("pid")).doesNotExist();
    assertThat(Files.readString(tmp.resolve("out.log"))).isEmpty();
  }

  @Test
  void aCommandLineNoProcessCanCarryFailsTheStartAndRunsNothing() throws Exception {
    try (PendingCommand pending = pending()) {
      ProcessHandle supervisor = ProcessHandle.of(Long.parseLong(Files.readString(tmp.resolve("pid")).split(" ")[0])).orElseThrow();

      assertThatThrownBy(() -> runner.run(pending, "touch ran", List.of("sh", "-c", "touch ran", "a\0b"), Map.of(),
          Duration.ofSeconds(30), CommandRunner.Progress.NONE))
          .isInstanceOfSatisfying(StepException.class, e -> assertThat(e.kind()).isEqualTo(StepException.Kind.COMMAND_START_FAILED))
          .hasMessageContaining("holds a NUL");
      await().atMost(Duration.ofSeconds(10)).until(() -> !supervisor.isAlive());
      assertThat(tmp.resolve("ran")).doesNotExist();
    }
  }

  @Test
  void aCommandLineTooLongForTheKernelFailsTheStartAsWithoutTheSupervisor() throws Exception {
    String longArgument = "x".repeat(200_000);
    try (PendingCommand pending = pending()) {
      assertThatThrownBy(() -> runner.run(pending, "touch ran", List.of("sh", "-c", "touch ran", longArgument), Map.of(),
          Duration.ofSeconds(30), CommandRunner.Progress.NONE))
          .isInstanceOfSatisfying(StepException.class, e -> assertThat(e.kind()).isEqualTo(StepException.Kind.COMMAND_START_FAILED))
          .hasMessageContaining("too long to run");
      assertThat(tmp.resolve("ran")).doesNotExist();
    }
    // The same command line without the supervisor: the JVM's own start fails, as the kernel refuses it.
    assertThatThrownBy(() -> new ProcessBuilder("sh", "-c", "true", longArgument).start()).isInstanceOf(java.io.IOException.class);
  }
}
