package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.durableloops.workflows.spec.SandboxSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.steps.WorkspaceActivities;
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
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Makers that try to reach beyond their loop, run for real under each of the worker's sandboxes:
 * the sandbox runtime ({@code srt}) and bubblewrap alone, where they work (the tests that need one
 * skip themselves, saying why, where it does not; {@code deploy/test.sh} installs both), and the
 * {@code pids} cgroup where the machine gives one.
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
  private WorkspaceActivities activities(Sandbox sandbox, SandboxSpec spec) throws Exception {
    Path origin = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "a\n"));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new WorkerActivities(tmp.resolve("data"),
        new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of(), sandbox), GitStore.under(tmp.resolve("data"))).all());
    WorkspaceActivities activities = env.newActivityStub(WorkspaceActivities.class);
    prepared = activities.prepare(new PrepareInput("loop-s", new WorkspaceSpec(origin.toString(), "main"), null));
    this.spec = spec;
    return activities;
  }

  PrepareResult prepared;
  SandboxSpec spec;

  private MakeResult make(WorkspaceActivities activities, String command) {
    return activities.make(new MakeInput(new StepContext("loop-s", 1, "goal", prepared.commit(), Map.of(), List.of(), spec),
        new StepSpec(command, "PT1M")));
  }

  private Path ws() {
    return Path.of(prepared.workspacePath());
  }

  private static final Map<List<Object>, Sandbox> SANDBOXES = new ConcurrentHashMap<>();

  /** The sandbox of {@code mode} (detected once per JVM), or the test skips saying why there is none. */
  static Sandbox sandbox(Sandbox.Mode mode, String... allowedDomains) {
    Sandbox sandbox = SANDBOXES.computeIfAbsent(List.of(mode, List.of(allowedDomains)), k -> {
      try {
        return Sandbox.detect(new Sandbox.Settings(mode, List.of(), ProcessLimit.DEFAULT_MAX_PROCESSES)
            .withAllowedDomains(List.of(allowedDomains)));
      } catch (IllegalStateException e) {
        return null;
      }
    });
    assumeTrue(sandbox != null, mode + " is not usable here (deploy/lib.sh ensure_sandbox installs it)");
    return sandbox;
  }

  /** The sandbox of {@code mode} with {@code writableRoots} allowed, or the test skips as {@link #sandbox} does. */
  static Sandbox writableUnder(Sandbox.Mode mode, List<Path> writableRoots, String... allowedDomains) {
    sandbox(mode, allowedDomains);
    return Sandbox.detect(new Sandbox.Settings(mode, List.of(), ProcessLimit.DEFAULT_MAX_PROCESSES)
        .withAllowedDomains(List.of(allowedDomains)).withWritableRoots(writableRoots));
  }

  private static boolean running(String commandLine) {
    return ProcessHandle.allProcesses().anyMatch(p -> p.isAlive()
        && p.info().commandLine().map(c -> c.equals(commandLine) || c.endsWith("/" + commandLine)).orElse(false));
  }

  @ParameterizedTest
  @EnumSource(names = {"SANDBOX_RUNTIME", "BUBBLEWRAP"})
  void noDescendantOutlivesTheStepWhetherItCallsSetsidDoubleForksOrNohups(Sandbox.Mode mode) throws Exception {
    Sandbox sandbox = sandbox(mode);
    WorkspaceActivities activities = activities(sandbox, null);
    assertThat(prepared.sandbox()).isEqualTo(sandbox.describe()).startsWith(mode == Sandbox.Mode.BUBBLEWRAP ? "bubblewrap" : "sandbox runtime");
    MakeResult made = make(activities, "setsid sleep 300.11 & (sleep 300.12 &) ; nohup sleep 300.13 >/dev/null 2>&1 & "
        + "sh -c 'setsid sh -c \"sleep 300.14\" &' ; sleep 1; echo started");
    assertThat(made.exitCode()).isZero();
    await().atMost(Duration.ofSeconds(5)).until(
        () -> !running("sleep 300.11") && !running("sleep 300.12") && !running("sleep 300.13") && !running("sleep 300.14"));
  }

  @ParameterizedTest
  @EnumSource(names = {"SANDBOX_RUNTIME", "BUBBLEWRAP"})
  void writesOutsideTheWorkspaceAreRefusedAndTheStepTmpIsItsOwn(Sandbox.Mode mode) throws Exception {
    WorkspaceActivities activities = activities(sandbox(mode), null);
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

  @ParameterizedTest
  @EnumSource(names = {"SANDBOX_RUNTIME", "BUBBLEWRAP"})
  void aToolUnderTheMachinesTmpThatTheCommandNamesStaysReadable(Sandbox.Mode mode) throws Exception {
    WorkspaceActivities activities = activities(sandbox(mode), null);
    Path tool = Files.writeString(tmp.resolve("tool.sh"), "echo tool-ran > .loop/tool.txt\n");
    make(activities, "sh " + tool + "; echo $? > .loop/tool.exit; echo x > " + tmp.resolve("tool-output") + " 2>/dev/null; true");
    assertThat(Files.readString(ws().resolve(".loop/tool.txt")).strip()).isEqualTo("tool-ran");
    assertThat(tmp.resolve("tool-output")).as("named /tmp paths are readable, not writable").doesNotExist();
  }

  @ParameterizedTest
  @EnumSource(names = {"SANDBOX_RUNTIME", "BUBBLEWRAP"})
  void theDataDirectoryTheTokenFileAndHiddenPathsAreInvisible(Sandbox.Mode mode) throws Exception {
    sandbox(mode);
    Path secret = Files.writeString(tmp.resolve("temporal.db"), "database");
    Sandbox sandbox = Sandbox.detect(mode, List.of(secret), ProcessLimit.DEFAULT_MAX_PROCESSES);
    WorkspaceActivities activities = activities(sandbox, null);
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

  @ParameterizedTest
  @EnumSource(names = {"SANDBOX_RUNTIME", "BUBBLEWRAP"})
  void gitInAFanOutChildsAndAnAttemptsStepReadsTheObjectsTheirWorkspacesBorrow(Sandbox.Mode mode) throws Exception {
    WorkspaceActivities activities = activities(sandbox(mode), null);
    PrepareResult child = activities.prepare(new PrepareInput("loop-s-t1", new WorkspaceSpec(tmp.resolve("origin").toString(), "main"),
        prepared.commit(), "loop-s", null, null, null, "loop-s"));
    Path childWs = Path.of(child.workspacePath());
    assertThat(childWs.resolve(".git/objects/info/alternates")).exists();
    // The worker's ~/.gitconfig is a hidden home secret, which git refuses to run without: none is read.
    String gitLog = "export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1; git log --format=%s -1 > .loop/log.txt 2>&1; git status --porcelain --untracked-files=no > .loop/status.txt 2>&1;"
        + " echo changed > a.txt";
    MakeResult childMade = activities.make(new MakeInput(new StepContext("loop-s-t1", 1, "goal", prepared.commit(), Map.of(), List.of(), spec),
        new StepSpec(gitLog, "PT1M")));
    assertThat(childMade.changed()).isTrue();
    assertThat(Files.readString(childWs.resolve(".loop/log.txt")).strip()).isEqualTo("initial");
    assertThat(Files.readString(childWs.resolve(".loop/status.txt"))).isEmpty();

    String attempt = dev.durableloops.workflows.steps.AttemptIds.of("loop-s-t1", 2);
    MakeResult attemptMade = activities.make(new MakeInput(new StepContext(attempt, 2, "goal", prepared.commit(), Map.of(), List.of(), spec),
        new StepSpec(gitLog, "PT1M")));
    assertThat(attemptMade.changed()).isTrue();
    Path attemptWs = tmp.resolve("data/loops/loop-s-t1/attempts/2/workspace");
    assertThat(Files.readString(attemptWs.resolve(".loop/log.txt")).strip()).isEqualTo("initial");
    assertThat(Files.readString(attemptWs.resolve(".loop/status.txt"))).isEmpty();
  }

  /**
   * Changed with issue 19: {@code network: true} no longer means the host's network. A step reaches
   * a listener on the worker's loopback only when the spec names it in {@code allowedDomains} and
   * the worker allows it (an IP literal is taken as the explicit choice it is); see
   * {@link SandboxAttackTest} for the default, where nothing on the host answers.
   */
  @Test
  void networkIsCutWhenTheSpecSaysSoAndDeclaredPathsAreWritable() throws Exception {
    Path cache = Files.createDirectories(tmp.resolve("agent-cache"));
    try (ServerSocket server = new ServerSocket(0)) {
      String allowed = "127.0.0.1:" + server.getLocalPort();
      WorkspaceActivities activities = activities(writableUnder(Sandbox.Mode.SANDBOX_RUNTIME, List.of(tmp), allowed),
          new SandboxSpec(false, List.of(cache.toString()), List.of(allowed)));
      String connect = "curl -fsS -m 5 --noproxy '' -o /dev/null http://" + allowed + "/";
      new Thread(() -> answerOnce(server)).start();
      make(activities, connect + "; echo $? > .loop/net.exit; echo kept > " + cache.resolve("state.json"));
      assertThat(Files.readString(ws().resolve(".loop/net.exit")).strip()).isNotEqualTo("0");
      assertThat(cache.resolve("state.json")).hasContent("kept");

      spec = new SandboxSpec(true, List.of(), List.of(allowed));
      make(activities, connect + "; echo $? > .loop/net.exit");
      assertThat(Files.readString(ws().resolve(".loop/net.exit")).strip()).isEqualTo("0");
    }
  }

  /** Answers one HTTP request with 200 (for the positive controls); stops when the socket closes. */
  static void answerOnce(ServerSocket server) {
    try (var socket = server.accept()) {
      socket.getInputStream().read(new byte[4096]);
      socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".getBytes());
    } catch (java.io.IOException e) {
      // The server socket was closed by the test.
    }
  }

  @Test
  void theHostsNetworkIsAnExplicitWorkerSettingSaidInTheStateAndNetworkFalseStillCutsIt() throws Exception {
    sandbox(Sandbox.Mode.BUBBLEWRAP);
    Sandbox host = Sandbox.detect(new Sandbox.Settings(Sandbox.Mode.AUTO, List.of(), ProcessLimit.DEFAULT_MAX_PROCESSES).withHostNetwork(true));
    assertThat(host.kind()).isEqualTo(Sandbox.Kind.BUBBLEWRAP);
    WorkspaceActivities activities = activities(host, null);
    assertThat(prepared.sandbox()).startsWith("bubblewrap").contains("the host's network (durable-loops.sandbox.host-network=true)");
    try (ServerSocket server = new ServerSocket(0)) {
      String connect = "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + server.getLocalPort() + "'";
      make(activities, connect + "; echo $? > .loop/net.exit");
      assertThat(Files.readString(ws().resolve(".loop/net.exit")).strip()).isEqualTo("0");
      spec = new SandboxSpec(false, List.of());
      make(activities, connect + "; echo $? > .loop/net.exit");
      assertThat(Files.readString(ws().resolve(".loop/net.exit")).strip()).isNotEqualTo("0");
    }
    assertThatThrownBy(() -> Sandbox.detect(new Sandbox.Settings(Sandbox.Mode.SANDBOX_RUNTIME, List.of(), 0).withHostNetwork(true)))
        .hasMessageContaining("cannot give steps the host's network");
  }

  @Test
  void aStepKilledUnderTheSandboxRuntimeLeavesNoMountPointsInTheWorkspace() throws Exception {
    WorkspaceActivities activities = activities(sandbox(Sandbox.Mode.SANDBOX_RUNTIME), null);
    MakeResult made = activities.make(new MakeInput(new StepContext("loop-s", 1, "goal", prepared.commit(), Map.of(), List.of(), spec),
        new StepSpec("echo changed > a.txt; sleep 30", "PT3S")));
    assertThat(made.exitCode()).isEqualTo(-1);
    assertThat(MountPoints.NAMES.stream().filter(n -> Files.exists(ws().resolve(n))).toList()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(names = {"SANDBOX_RUNTIME", "BUBBLEWRAP"})
  void aWritablePathThatWouldExposeTheDataDirectoryFailsTheStep(Sandbox.Mode mode) throws Exception {
    WorkspaceActivities activities = activities(writableUnder(mode, List.of(tmp)), new SandboxSpec(true, List.of(tmp.resolve("data").toString())));
    assertThatThrownBy(() -> make(activities, "true")).rootCause()
        .hasMessageContaining("sandbox.writable[0] names " + tmp.resolve("data") + ", which would expose");
  }

  @Test
  void withoutBubblewrapTheStateSaysSoAndNoNetworkIsRefused() throws Exception {
    Sandbox none = Sandbox.detect(Sandbox.Mode.NONE, List.of(), ProcessLimit.DEFAULT_MAX_PROCESSES);
    WorkspaceActivities activities = activities(none, new SandboxSpec(false, List.of()));
    assertThat(prepared.sandbox()).startsWith("no sandbox (durable-loops.sandbox.mode=none): process group only, host network");
    assertThatThrownBy(() -> make(activities, "true")).rootCause()
        .hasMessageContaining("asks for sandbox.network: false, but this worker has no sandbox");
  }

  @Test
  void aForkBombIsStoppedByTheProcessLimitAndLeavesNothing() throws Exception {
    Sandbox sandbox = Sandbox.detect(Sandbox.Mode.AUTO, List.of(), 64);
    assumeTrue(sandbox.limit().available(), "no pids cgroup here: " + sandbox.describe());
    WorkspaceActivities activities = activities(sandbox, null);
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
    WorkspaceActivities activities = activities(none, null);
    MakeResult made = make(activities, "setsid sleep 300.21 & (setsid sleep 300.22 &); sleep 0.5");
    assertThat(made.exitCode()).isZero();
    await().atMost(Duration.ofSeconds(5)).until(() -> !running("sleep 300.21") && !running("sleep 300.22"));
  }
}
