package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.durableloops.workflows.spec.SandboxSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.StepContext;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import io.temporal.testing.TestActivityEnvironment;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Attacks on, and failures around, a supervisor started before its command line exists
 * ({@link CommandRunner#start}): its child waits in the loop's cgroup for the frame the JVM writes
 * to the supervisor's pipe. Nothing a sandboxed step does may reach that pipe, and whatever ends the
 * wait early (the wrap failing, the worker killed, the child failing to join the cgroup) must leave
 * no process, no pid file and no cgroup member behind, and run nothing.
 */
class PendingCommandAttackTest {

  @TempDir Path tmp;
  final CommandRunner runner = new CommandRunner();

  @BeforeEach
  void needsTheSupervisor() {
    assumeThat(Supervisor.available()).as("perl on the PATH, for the step supervisor").isTrue();
  }

  /**
   * A step that writes a frame running {@code touch <marker>} into every pipe it can open under
   * {@code /proc}, as another loop's supervisor waits for its own frame. In a PID namespace of its
   * own (bubblewrap, and srt's bubblewrap) the step sees no process of the worker, so the waiting
   * supervisor runs what the JVM hands it. The same step run bare (no sandbox, the worker's own user)
   * does reach it: the control, so the attack is known to work where nothing isolates it.
   */
  @ParameterizedTest
  @EnumSource(value = Sandbox.Mode.class, names = {"BUBBLEWRAP", "SANDBOX_RUNTIME"})
  void aSandboxedStepCannotFeedAnotherStepsWaitingSupervisor(Sandbox.Mode mode) throws Exception {
    Sandbox sandbox = SandboxTest.sandbox(mode);
    Path ws = Files.createDirectories(tmp.resolve("ws"));
    Path marker = tmp.resolve("injected");
    Files.write(ws.resolve("frame"), Supervisor.frame(Map.of(), List.of("/bin/sh", "-c", "touch " + marker)));
    // $TARGETS: every pipe the step can see, or (the control, which must not write into this JVM's
    // own pipes) the waiting supervisor's stdin.
    String attack = "for f in $TARGETS; do t=$(readlink \"$f\") || continue; case \"$t\" in pipe:*)"
        + " timeout 2 dd if=frame of=\"$f\" 2>/dev/null && echo \"wrote $f $t\";; esac; done; echo scanned";

    Path victimDir = Files.createDirectories(tmp.resolve("victim"));
    try (PendingCommand victim = runner.start(victimDir, null, victimDir.resolve("out.log"), null, victimDir.resolve("pid"))) {
      Sandbox.Wrapped wrapped = sandbox.wrap(attack, Map.of("PATH", System.getenv("PATH"), "TARGETS", "/proc/" + pid(victimDir) + "/fd/* /proc/[0-9]*/fd/*"), ws, Files.createDirectories(tmp.resolve("loop")),
          Files.createDirectories(tmp.resolve("data")), SandboxSpec.DEFAULT);
      CommandRunner.Run run;
      try {
        run = runner.run(new CommandRunner.Launch(attack, wrapped.argv(), ws, null), wrapped.env(), Duration.ofMinutes(1),
            tmp.resolve("attack.log"), null, tmp.resolve("attack.pid"), CommandRunner.Progress.NONE);
      } finally {
        wrapped.cleanup().run();
      }
      assertThat(run.tail()).contains("scanned");
      CommandRunner.Run victimRun = runner.run(victim, "echo mine", List.of("/bin/sh", "-c", "echo mine"), Map.of(), Duration.ofMinutes(1),
          CommandRunner.Progress.NONE);
      assertThat(victimRun.exitCode()).isZero();
      assertThat(Files.readString(victimDir.resolve("out.log"))).isEqualTo("mine\n");
    }
    assertThat(marker).as("a sandboxed step fed another step's supervisor").doesNotExist();

    // The control: the same step without a sandbox reaches the waiting supervisor's pipe.
    try (PendingCommand victim = runner.start(victimDir, null, victimDir.resolve("out.log"), null, victimDir.resolve("pid"))) {
      CommandRunner.Run run = runner.run(new CommandRunner.Launch(attack, List.of("/bin/sh", "-c", attack), ws, null),
          Map.of("PATH", System.getenv("PATH"), "TARGETS", "/proc/" + pid(victimDir) + "/fd/0"), Duration.ofMinutes(1),
          tmp.resolve("attack.log"), null, tmp.resolve("attack.pid"), CommandRunner.Progress.NONE);
      assertThat(run.tail()).contains("scanned");
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(marker)
          .as("the attack works where nothing isolates the step (else this test proves nothing)").exists());
    }
  }

  private static long pid(Path dir) throws java.io.IOException {
    return Long.parseLong(Files.readString(dir.resolve("pid")).split(" ")[0]);
  }

  /**
   * A wrap that fails (here {@code sandbox.network: false} on a worker with no sandbox: BAD_SPEC)
   * after the step's supervisor started: the step fails with the wrap's reason, and the supervisor,
   * its child (which had joined the loop's cgroup), the pid file and the cgroup's members are gone.
   */
  @Test
  void aWrapThatFailsAfterTheSupervisorStartedLeavesNothing() throws Exception {
    Sandbox none = Sandbox.detect(Sandbox.Mode.NONE, List.of(), 64);
    Path data = tmp.resolve("data");
    Path origin = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "a\n"));
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try {
      env.registerActivitiesImplementations(new WorkerActivities(data,
          new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of(), none), GitStore.under(data)).all());
      WorkspaceActivities activities = env.newActivityStub(WorkspaceActivities.class);
      PrepareResult prepared = activities.prepare(new PrepareInput("loop-a", new WorkspaceSpec(origin.toString(), "main"), null));
      List<Long> before = supervisors();

      assertThatThrownBy(() -> activities.make(new MakeInput(new StepContext("loop-a", 1, "goal", prepared.commit(), Map.of(), List.of(),
          new SandboxSpec(false, List.of())), new StepSpec("touch " + tmp.resolve("ran"), "PT1M"))))
          .hasStackTraceContaining("BAD_SPEC");

      assertThat(tmp.resolve("ran")).doesNotExist();
      assertThat(new LoopPaths(data).loopDir("loop-a").resolve("running.pid")).doesNotExist();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(supervisors()).isSubsetOf(before));
      if (none.limit().available()) {
        Path procs = Path.of("/sys/fs/cgroup/pids/durable-loops", "loop-" + Hashes.sha256(data + "\n" + "loop-a").substring(0, 16), "cgroup.procs");
        Path v2 = Path.of("/sys/fs/cgroup/durable-loops", procs.getParent().getFileName().toString(), "cgroup.procs");
        Path file = Files.exists(procs) ? procs : v2;
        assertThat(file).exists();
        assertThat(Files.readString(file)).isBlank();
      }
    } finally {
      env.close();
    }
  }

  /** Processes of this JVM's running the step supervisor, and their children. */
  private static List<Long> supervisors() {
    return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().orElse("").contains("durable-loops supervisor")
            || p.parent().flatMap(q -> q.info().commandLine()).orElse("").contains("durable-loops supervisor"))
        .map(ProcessHandle::pid).toList();
  }

  /**
   * A worker killed with {@code SIGKILL} while its step's supervisor waits for the command line (the
   * sandbox was still wrapping it): the supervisor's pipe ends, and the supervisor and its child,
   * which had joined the loop's cgroup, end with it; the command never runs.
   */
  @Test
  void aWorkerKilledBeforeTheCommandLineLeavesNothingRunning() throws Exception {
    String key = "pending-test-" + UUID.randomUUID().toString().substring(0, 8);
    Process worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Worker.class.getName(), tmp.toString(), key)
        .redirectErrorStream(true).redirectOutput(tmp.resolve("worker.out").toFile()).start();
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(tmp.resolve("worker.out")).contains("started")
          || !worker.isAlive());
      assertThat(Files.readString(tmp.resolve("worker.out"))).contains("started");
      ProcessHandle supervisor = ProcessHandle.of(Long.parseLong(Files.readString(tmp.resolve("pid")).split(" ")[0])).orElseThrow();
      await().atMost(Duration.ofSeconds(10)).until(() -> supervisor.children().findAny().isPresent());
      ProcessHandle child = supervisor.children().findFirst().orElseThrow();
      Path procs = Files.readString(tmp.resolve("worker.out")).lines().filter(l -> l.startsWith("procs "))
          .map(l -> Path.of(l.substring(6))).findFirst().orElse(null);
      if (procs != null) {
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(procs).contains(Long.toString(child.pid())));
      }

      worker.destroyForcibly();
      assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();

      await().atMost(Duration.ofSeconds(30)).until(() -> !supervisor.isAlive() && !child.isAlive());
      if (procs != null) {
        assertThat(Files.readString(procs)).isBlank();
        Files.delete(procs.getParent());
      }
      assertThat(tmp.resolve("ran")).doesNotExist();
    } finally {
      worker.destroyForcibly();
    }
  }

  /**
   * The worker of {@link #aWorkerKilledBeforeTheCommandLineLeavesNothingRunning}: starts a step's
   * supervisor in {@code args[0]} (in cgroup {@code args[1]} when the machine has one), says so,
   * and waits to be killed.
   */
  static final class Worker {
    public static void main(String[] args) throws Exception {
      Path dir = Path.of(args[0]);
      ProcessLimit.Group group = ProcessLimit.detect(64).open(args[1]).orElse(null);
      new CommandRunner().start(dir, group, dir.resolve("out.log"), null, dir.resolve("pid"));
      if (group != null) {
        System.out.println("procs " + group.procs());
      }
      System.out.println("started");
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  /**
   * The child cannot join the cgroup (its {@code cgroup.procs} is a directory here) and ends while
   * the supervisor still waits for its frame (a {@code SIGCHLD} in the middle of its read): a frame
   * of a megabyte written then (more than a pipe holds, so the supervisor's write to the dead child
   * fails) runs nothing, and the supervisor exits 126 with the reason in the log, without waiting
   * for the worker's pipe to end.
   */
  @Test
  void aChildThatCannotJoinTheCgroupEndsTheStepReadably() throws Exception {
    Process supervisor = supervisor(tmp.toString());
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(tmp.resolve("out.log")).contains("cannot join"));
      OutputStream pipe = supervisor.getOutputStream();
      Map<String, String> big = new java.util.HashMap<>();
      for (int i = 0; i < 16; i++) {
        big.put("BIG" + i, "x".repeat(64 * 1024));
      }
      pipe.write(Supervisor.frame(big, List.of("/bin/sh", "-c", "touch ran")));
      pipe.flush();

      assertThat(supervisor.waitFor(60, TimeUnit.SECONDS)).as("the supervisor ended without its pipe ending").isTrue();
      assertThat(supervisor.exitValue()).isEqualTo(126);
      assertThat(Files.readString(tmp.resolve("out.log"))).isEqualTo("durable-loops: cannot join the step's cgroup " + tmp + ": Is a directory\n");
      assertThat(tmp.resolve("ran")).doesNotExist();
    } finally {
      supervisor.destroyForcibly();
    }
  }

  /**
   * A {@code SIGTERM} to a supervisor that waits for its command line (a service manager stopping
   * the worker's whole control group, say) ends the step as it does once the command runs: the
   * supervisor still takes the frame, runs nothing and exits 137, so the step reads as killed, not
   * as a command that could not start (a failure no retry follows).
   */
  @Test
  void aSigtermWhileTheSupervisorWaitsEndsTheStepAsKilled() throws Exception {
    try (PendingCommand pending = runner.start(tmp, null, tmp.resolve("out.log"), null, tmp.resolve("pid"))) {
      ProcessHandle supervisor = ProcessHandle.of(pid(tmp)).orElseThrow();
      await().atMost(Duration.ofSeconds(10)).until(() -> supervisor.children().findAny().isPresent());
      List<ProcessHandle> children = supervisor.children().toList();

      supervisor.destroy();
      // Time for a supervisor that dies of it to die, so the frame below would meet a closed pipe.
      Thread.sleep(300);
      CommandRunner.Run run = runner.run(pending, "touch ran", List.of("/bin/sh", "-c", "touch ran"), Map.of(), Duration.ofMinutes(1),
          CommandRunner.Progress.NONE);

      assertThat(run.exitCode()).isEqualTo(137);
      assertThat(tmp.resolve("ran")).doesNotExist();
      assertThat(children).noneMatch(ProcessHandle::isAlive);
    }
  }

  /**
   * A supervisor killed ({@code SIGKILL}, the OOM killer) while it waits for its command line: the
   * step ends as one whose supervisor was killed while the command ran (137, the reason in the
   * log), not as a command that could not start, which no retry would follow.
   */
  @Test
  void aSupervisorKilledWhileItWaitsEndsTheStepAsKilled() throws Exception {
    try (PendingCommand pending = runner.start(tmp, null, tmp.resolve("out.log"), null, tmp.resolve("pid"))) {
      ProcessHandle supervisor = ProcessHandle.of(pid(tmp)).orElseThrow();
      await().atMost(Duration.ofSeconds(10)).until(() -> supervisor.children().findAny().isPresent());
      List<ProcessHandle> children = supervisor.children().toList();

      supervisor.destroyForcibly();
      await().atMost(Duration.ofSeconds(10)).until(() -> !supervisor.isAlive());
      CommandRunner.Run run = runner.run(pending, "touch ran", List.of("/bin/sh", "-c", "touch ran"), Map.of(), Duration.ofMinutes(1),
          CommandRunner.Progress.NONE);

      assertThat(run.exitCode()).isEqualTo(137);
      assertThat(run.tail()).contains("the step's supervisor ended (exit 137) before its command started");
      assertThat(tmp.resolve("ran")).doesNotExist();
      await().atMost(Duration.ofSeconds(10)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
      assertThat(tmp.resolve("pid")).doesNotExist();
    }
  }

  /**
   * The command holds nothing of its supervisor: stdin is {@code /dev/null} (not the pipe from the
   * JVM, which a step could reopen for writing through {@code /proc/self/fd/0} and so keep its
   * supervisor from ever seeing the worker die), and no other descriptor but its output is open.
   */
  @Test
  void theCommandHoldsNoPipeOfItsSupervisor() throws Exception {
    try (PendingCommand pending = runner.start(tmp, null, tmp.resolve("out.log"), null, tmp.resolve("pid"))) {
      // readlink opens nothing, so the list is the command's own descriptors; a shell pipeline's
      // list raced with the shell closing its own end of the pipe (CI saw "3 pipe:[...]").
      CommandRunner.Run run = runner.run(pending, "fds", List.of("perl", "-e",
          "for (0..1023) { my $t = readlink(\"/proc/self/fd/$_\"); print \"$_ $t\\n\" if defined $t }"), Map.of(),
          Duration.ofMinutes(1), CommandRunner.Progress.NONE);

      assertThat(run.exitCode()).isZero();
      Path log = tmp.resolve("out.log").toRealPath();
      assertThat(Files.readString(log)).isEqualTo("0 /dev/null\n1 " + log + "\n2 " + log + "\n");
    }
  }

  /** A {@code SIGTERM} to the supervisor once its command runs kills the command, 137, as it always did. */
  @Test
  void aSigtermOnceTheCommandRunsKillsIt() throws Exception {
    try (PendingCommand pending = runner.start(tmp, null, tmp.resolve("out.log"), null, tmp.resolve("pid"))) {
      ProcessHandle supervisor = ProcessHandle.of(pid(tmp)).orElseThrow();
      Thread killer = new Thread(() -> {
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(tmp.resolve("started")));
        supervisor.destroy();
      });
      killer.start();
      CommandRunner.Run run = runner.run(pending, "sleep", List.of("/bin/sh", "-c", "touch started; sleep 600; touch ran"), Map.of(),
          Duration.ofMinutes(5), CommandRunner.Progress.NONE);
      killer.join();

      assertThat(run.exitCode()).isEqualTo(137);
      assertThat(tmp.resolve("ran")).doesNotExist();
    }
  }

  /**
   * A frame of a megabyte and more (sixteen variables of 64 KiB, 200 arguments of 1 KiB: more than
   * the pipes between the JVM, the supervisor and its child hold at once) arrives whole.
   */
  @Test
  void aFrameOfAMegabyteArrivesWhole() throws Exception {
    Map<String, String> env = new java.util.TreeMap<>();
    for (int i = 0; i < 16; i++) {
      env.put("V" + i, Integer.toString(i % 10).repeat(64 * 1024 - i));
    }
    List<String> argv = new java.util.ArrayList<>(List.of("/bin/sh", "-c",
        "for i in $(seq 0 15); do eval \"printf '%s ' \\${#V$i}\"; done; printf '%s' \"$@\" | sha256sum", "sh"));
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      String arg = (char) ('a' + i % 26) + "é".repeat(511) + "=" + i;
      argv.add(arg);
      all.append(arg);
    }
    String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(all.toString().getBytes(StandardCharsets.UTF_8)));
    StringBuilder lengths = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      lengths.append(64 * 1024 - i).append(' ');
    }
    try (PendingCommand pending = runner.start(tmp, null, tmp.resolve("out.log"), null, tmp.resolve("pid"))) {
      CommandRunner.Run run = runner.run(pending, "big", argv, env, Duration.ofMinutes(1), CommandRunner.Progress.NONE);

      assertThat(run.exitCode()).isZero();
      assertThat(Files.readString(tmp.resolve("out.log"))).isEqualTo(lengths + sha + "  -\n");
    }
  }

  /**
   * The environment as the command sees it ({@code env -0}) is exactly the one given: values with
   * {@code =}, newlines, nothing, UTF-8; nothing of the supervisor's own.
   */
  @Test
  void theEnvironmentArrivesExactly() throws Exception {
    Map<String, String> env = Map.of("A", "1=2", "B", "=", "NL", "x\ny\n", "EMPTY", "", "U", "é€😀", "SP", " lead and trail ");
    try (PendingCommand pending = runner.start(tmp, null, tmp.resolve("out.log"), null, tmp.resolve("pid"))) {
      CommandRunner.Run run = runner.run(pending, "env -0", List.of(Sandbox.onPath("env"), "-0"), env, Duration.ofMinutes(1),
          CommandRunner.Progress.NONE);

      assertThat(run.exitCode()).isZero();
      Map<String, String> seen = new java.util.HashMap<>();
      for (String field : Files.readString(tmp.resolve("out.log"), StandardCharsets.UTF_8).split("\0")) {
        seen.put(field.substring(0, field.indexOf('=')), field.substring(field.indexOf('=') + 1));
      }
      assertThat(seen).isEqualTo(env);
    }
  }

  /**
   * Frames no JVM writes, straight to a supervisor's pipe: a length of 0, a length of 13 digits, a
   * body without its last NUL, a body without a command line, a pipe that ends halfway through.
   * None runs anything; each supervisor ends.
   */
  @Test
  void aBrokenFrameRunsNothing() throws Exception {
    byte[] whole = Supervisor.frame(Map.of("A", "1"), List.of("/bin/sh", "-c", "touch ran"));
    String body = new String(whole, StandardCharsets.ISO_8859_1).substring(new String(whole, StandardCharsets.ISO_8859_1).indexOf('\n') + 1);
    List<byte[]> broken = List.of(
        "0\n".getBytes(StandardCharsets.US_ASCII),
        ("1234567890123\n" + body).getBytes(StandardCharsets.ISO_8859_1),
        java.util.Arrays.copyOf(whole, whole.length - 1),
        "4\nA=1\0\0".getBytes(StandardCharsets.US_ASCII),
        java.util.Arrays.copyOf(whole, whole.length / 2));
    for (byte[] frame : broken) {
      Process supervisor = supervisor(null);
      try {
        OutputStream pipe = supervisor.getOutputStream();
        pipe.write(frame);
        pipe.flush();
        // A frame cut short waits for its rest: the pipe's end is what tells it none is coming.
        if (!supervisor.waitFor(1, TimeUnit.SECONDS)) {
          pipe.close();
        }
        assertThat(supervisor.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(supervisor.exitValue()).as(new String(frame, StandardCharsets.ISO_8859_1)).isEqualTo(137);
        assertThat(tmp.resolve("ran")).as(new String(frame, StandardCharsets.ISO_8859_1)).doesNotExist();
      } finally {
        supervisor.destroyForcibly();
      }
    }
  }

  /** A supervisor as {@link CommandRunner#start} starts one (no environment), its output in {@code out.log}, joining {@code procs}. */
  private Process supervisor(String procs) throws java.io.IOException {
    ProcessBuilder pb = new ProcessBuilder(Supervisor.commandLine(procs)).directory(tmp.toFile())
        .redirectErrorStream(true).redirectOutput(tmp.resolve("out.log").toFile());
    pb.environment().clear();
    return pb.start();
  }
}
