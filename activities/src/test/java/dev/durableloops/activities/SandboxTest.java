package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.durableloops.workflows.spec.SandboxSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.steps.LoopActivities;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.StepContext;
import io.temporal.testing.TestActivityEnvironment;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Makers that try to reach beyond their loop, run for real under the worker's sandbox: bubblewrap
 * where it works (the tests that need it skip themselves, saying why, where it does not; CI installs
 * it) and the {@code pids} cgroup where the machine gives one.
 */
class SandboxTest {

  @TempDir Path tmp;
  TestActivityEnvironment env;

  @AfterEach
  void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  /** Activities with {@code sandbox}; a prepared loop {@code loop-s}; returns its first context. */
  private LoopActivities activities(Sandbox sandbox, SandboxSpec spec) throws Exception {
    Path origin = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "a\n"));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new LoopActivitiesImpl(tmp.resolve("data"),
        new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of(), sandbox), GitStore.under(tmp.resolve("data"))));
    LoopActivities activities = env.newActivityStub(LoopActivities.class);
    prepared = activities.prepare(new PrepareInput("loop-s", new WorkspaceSpec(origin.toString(), "main"), null));
    this.spec = spec;
    return activities;
  }

  PrepareResult prepared;
  SandboxSpec spec;

  private MakeResult make(LoopActivities activities, String command) {
    return activities.make(new MakeInput(new StepContext("loop-s", 1, "goal", prepared.commit(), Map.of(), List.of(), spec),
        new StepSpec(command, "PT1M")));
  }

  private Path ws() {
    return Path.of(prepared.workspacePath());
  }

  private static Sandbox bubblewrap() {
    Sandbox sandbox = Sandbox.standard();
    assumeTrue(sandbox.confined(), "bubblewrap is not usable here: " + sandbox.describe());
    return sandbox;
  }

  private static boolean running(String commandLine) {
    return ProcessHandle.allProcesses().anyMatch(p -> p.isAlive()
        && p.info().commandLine().map(c -> c.equals(commandLine) || c.endsWith("/" + commandLine)).orElse(false));
  }

  @Test
  void noDescendantOutlivesTheStepWhetherItCallsSetsidDoubleForksOrNohups() throws Exception {
    LoopActivities activities = activities(bubblewrap(), null);
    assertThat(prepared.sandbox()).startsWith("bubblewrap");
    MakeResult made = make(activities, "setsid sleep 300.11 & (sleep 300.12 &) ; nohup sleep 300.13 >/dev/null 2>&1 & "
        + "sh -c 'setsid sh -c \"sleep 300.14\" &' ; sleep 1; echo started");
    assertThat(made.exitCode()).isZero();
    await().atMost(Duration.ofSeconds(5)).until(
        () -> !running("sleep 300.11") && !running("sleep 300.12") && !running("sleep 300.13") && !running("sleep 300.14"));
  }

  @Test
  void writesOutsideTheWorkspaceAreRefusedAndTheStepTmpIsItsOwn() throws Exception {
    LoopActivities activities = activities(bubblewrap(), null);
    Path outside = tmp.resolve("outside.txt");
    Path home = Path.of(System.getProperty("user.home"), "durable-loops-sandbox-probe-" + ProcessHandle.current().pid());
    MakeResult made = make(activities, "echo x > " + outside + "; echo x > " + home + "; echo $? > .loop/outside.exit"
        + "; echo x > $TMPDIR/mine && ls /tmp > .loop/tmp.txt; echo changed > a.txt");
    assertThat(made.changed()).isTrue();
    assertThat(outside).doesNotExist();
    assertThat(home).doesNotExist();
    assertThat(Files.readString(ws().resolve(".loop/outside.exit")).strip()).isNotEqualTo("0");
    assertThat(Files.readString(ws().resolve(".loop/tmp.txt")).strip()).contains("mine");
    assertThat(Files.readString(ws().resolve("a.txt"))).isEqualTo("changed\n");
    assertThat(tmp.resolve("data/loops/loop-s/tmp")).doesNotExist();
  }

  @Test
  void aToolUnderTheMachinesTmpThatTheCommandNamesStaysReadable() throws Exception {
    LoopActivities activities = activities(bubblewrap(), null);
    Path tool = Files.writeString(tmp.resolve("tool.sh"), "echo tool-ran > .loop/tool.txt\n");
    make(activities, "sh " + tool + "; echo $? > .loop/tool.exit; echo x > " + tmp.resolve("tool-output") + " 2>/dev/null; true");
    assertThat(Files.readString(ws().resolve(".loop/tool.txt")).strip()).isEqualTo("tool-ran");
    assertThat(tmp.resolve("tool-output")).as("named /tmp paths are readable, not writable").doesNotExist();
  }

  @Test
  void theDataDirectoryTheTokenFileAndHiddenPathsAreInvisible() throws Exception {
    Path secret = Files.writeString(tmp.resolve("temporal.db"), "database");
    Sandbox sandbox = Sandbox.detect(Sandbox.Mode.AUTO, List.of(secret), ProcessLimit.DEFAULT_MAX_PROCESSES);
    assumeTrue(sandbox.confined(), "bubblewrap is not usable here: " + sandbox.describe());
    LoopActivities activities = activities(sandbox, null);
    Path data = tmp.resolve("data");
    Files.writeString(data.resolve("api-token"), "the-api-token");
    make(activities, "cat " + data.resolve("api-token") + " > .loop/token.txt 2>&1; cat " + secret + " > .loop/db.txt 2>&1; "
        + "ls -a " + data + " > .loop/data.txt; ls " + data.resolve("loops") + " > .loop/loops.txt");
    assertThat(Files.readString(ws().resolve(".loop/token.txt"))).doesNotContain("the-api-token");
    assertThat(Files.readString(ws().resolve(".loop/db.txt"))).doesNotContain("database");
    // Only the path down to the workspace exists inside: no store, no token, no other loop.
    assertThat(Files.readString(ws().resolve(".loop/data.txt")).lines().toList()).containsExactlyInAnyOrder(".", "..", "loops");
    assertThat(Files.readString(ws().resolve(".loop/loops.txt")).strip()).isEqualTo("loop-s");
  }

  @Test
  void networkIsCutWhenTheSpecSaysSoAndDeclaredPathsAreWritable() throws Exception {
    Path cache = Files.createDirectories(tmp.resolve("agent-cache"));
    LoopActivities activities = activities(bubblewrap(), new SandboxSpec(false, List.of(cache.toString())));
    try (ServerSocket server = new ServerSocket(0)) {
      String connect = "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", " + server.getLocalPort() + "), 3)'";
      make(activities, connect + "; echo $? > .loop/net.exit; echo kept > " + cache.resolve("state.json"));
      assertThat(Files.readString(ws().resolve(".loop/net.exit")).strip()).isNotEqualTo("0");
      assertThat(cache.resolve("state.json")).hasContent("kept");

      spec = new SandboxSpec(true, List.of());
      make(activities, connect + "; echo $? > .loop/net.exit");
      assertThat(Files.readString(ws().resolve(".loop/net.exit")).strip()).isEqualTo("0");
    }
  }

  @Test
  void aWritablePathThatWouldExposeTheDataDirectoryFailsTheStep() throws Exception {
    LoopActivities activities = activities(bubblewrap(), new SandboxSpec(true, List.of(tmp.resolve("data").toString())));
    assertThatThrownBy(() -> make(activities, "true")).rootCause()
        .hasMessageContaining("sandbox.writable names " + tmp.resolve("data") + ", which would expose");
  }

  @Test
  void withoutBubblewrapTheStateSaysSoAndNoNetworkIsRefused() throws Exception {
    Sandbox none = Sandbox.detect(Sandbox.Mode.NONE, List.of(), ProcessLimit.DEFAULT_MAX_PROCESSES);
    LoopActivities activities = activities(none, new SandboxSpec(false, List.of()));
    assertThat(prepared.sandbox()).startsWith("process group only (durable-loops.sandbox.mode=none)");
    assertThatThrownBy(() -> make(activities, "true")).rootCause()
        .hasMessageContaining("asks for sandbox.network: false, but this worker has no sandbox");
  }

  @Test
  void aForkBombIsStoppedByTheProcessLimitAndLeavesNothing() throws Exception {
    Sandbox sandbox = Sandbox.detect(Sandbox.Mode.AUTO, List.of(), 64);
    assumeTrue(sandbox.limit().available(), "no pids cgroup here: " + sandbox.describe());
    LoopActivities activities = activities(sandbox, null);
    long started = System.nanoTime();
    MakeResult made = make(activities, "for i in $(seq 1000); do sleep 30.77 & done; wait");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(25));
    assertThat(made.exitCode()).isEqualTo(-1);
    assertThat(made.outputTail()).contains("killed: the step reached its limit of 64 processes");
    await().atMost(Duration.ofSeconds(5)).until(() -> !running("sleep 30.77"));
    System.out.printf("fault: fork bomb (1,000 sleeps): refused past 64 processes, the step killed after %d ms, nothing left%n",
        Duration.ofNanos(System.nanoTime() - started).toMillis());
  }

  @Test
  void theProcessLimitAloneKillsEscapedDescendantsWithoutBubblewrap() throws Exception {
    Sandbox none = Sandbox.detect(Sandbox.Mode.NONE, List.of(), ProcessLimit.DEFAULT_MAX_PROCESSES);
    assumeTrue(none.limit().available(), "no pids cgroup here: " + none.describe());
    LoopActivities activities = activities(none, null);
    MakeResult made = make(activities, "setsid sleep 300.21 & (setsid sleep 300.22 &); sleep 0.5");
    assertThat(made.exitCode()).isZero();
    await().atMost(Duration.ofSeconds(5)).until(() -> !running("sleep 300.21") && !running("sleep 300.22"));
  }
}
