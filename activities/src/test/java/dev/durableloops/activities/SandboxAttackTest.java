package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.durableloops.workflows.spec.SandboxSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.steps.LoopActivities;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.StepContext;
import io.temporal.testing.TestActivityEnvironment;
import java.io.File;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks a careful agent would try from inside a step, each run for real under the worker's
 * default sandbox (the sandbox runtime; bubblewrap alone and the bare process group where the
 * attack is about what wraps the command); each must be stopped. {@code deploy/attacks.py} counts
 * every method here as one attack. Tests skip themselves, saying why, where the sandbox they need
 * is not installed ({@code deploy/lib.sh ensure_sandbox} installs it).
 */
class SandboxAttackTest {

  @TempDir Path tmp;
  TestActivityEnvironment env;
  PrepareResult prepared;

  @AfterEach
  void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  /** A prepared loop {@code loop-a} under the sandbox runtime allowing {@code allowed}; its activities. */
  private LoopActivities loop(String... allowed) throws Exception {
    Sandbox sandbox = SandboxTest.sandbox(Sandbox.Mode.SANDBOX_RUNTIME, allowed);
    Path origin = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "a\n"));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new LoopActivitiesImpl(tmp.resolve("data"),
        new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of(), sandbox), GitStore.under(tmp.resolve("data"))));
    LoopActivities activities = env.newActivityStub(LoopActivities.class);
    prepared = activities.prepare(new PrepareInput("loop-a", new WorkspaceSpec(origin.toString(), "main"), null));
    return activities;
  }

  /** Runs {@code command} as the loop's maker with {@code spec}; returns what it wrote to {@code .loop/out.txt}. */
  private String make(LoopActivities activities, SandboxSpec spec, String command) throws Exception {
    activities.make(new MakeInput(new StepContext("loop-a", 1, "goal", prepared.commit(), Map.of(), List.of(), spec),
        new StepSpec("(" + command + ") > .loop/out.txt 2>&1", "PT1M")));
    return Files.readString(ws().resolve(".loop/out.txt"));
  }

  private Path ws() {
    return Path.of(prepared.workspacePath());
  }

  /** Tries {@code host:port} directly (bash's /dev/tcp) and through the sandbox's proxy (curl); prints both results. */
  private static String connect(String host, int port) {
    return "bash -c 'exec 3<>/dev/tcp/" + host + "/" + port + "' && echo direct:open || echo direct:refused; "
        + "curl -sS -m 5 --noproxy '' -o /dev/null -w 'proxy:%{http_code}\\n' http://" + host + ":" + port + "/ || echo proxy:failed";
  }

  /** Whether anyone connected to {@code server} (a connection would wait in its backlog). */
  private static boolean reached(ServerSocket server) throws Exception {
    server.setSoTimeout(200);
    try (var socket = server.accept()) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  @Test
  @DisplayName("a step connects to a TCP listener on the worker's 127.0.0.1 (the Temporal frontend, the app, its UI)")
  void loopbackListener() throws Exception {
    LoopActivities activities = loop();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String out = make(activities, SandboxSpec.DEFAULT, connect("127.0.0.1", server.getLocalPort()));
      assertThat(out).contains("direct:refused").doesNotContain("direct:open").doesNotContain("proxy:200");
      assertThat(reached(server)).as("the listener saw a connection").isFalse();
    }
  }

  @Test
  @DisplayName("a step connects to a listener on the worker's own non-loopback address (PostgreSQL, other services)")
  void hostAddressListener() throws Exception {
    Optional<InetAddress> address = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
        .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()).findFirst();
    assumeTrue(address.isPresent(), "this machine has no non-loopback IPv4 address");
    LoopActivities activities = loop();
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(address.get(), 0));
      String out = make(activities, SandboxSpec.DEFAULT, connect(address.get().getHostAddress(), server.getLocalPort()));
      assertThat(out).contains("direct:refused").doesNotContain("direct:open").doesNotContain("proxy:200");
      assertThat(reached(server)).as("the listener saw a connection").isFalse();
    }
  }

  @Test
  @DisplayName("a step reaches a destination the spec does not allow through the sandbox's proxy")
  void notAllowedThroughTheProxy() throws Exception {
    try (ServerSocket allowed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String entry = "127.0.0.1:" + allowed.getLocalPort();
      LoopActivities activities = loop(entry, "example.com");
      String out = make(activities, new SandboxSpec(true, List.of(), List.of(entry)), connect("127.0.0.1", other.getLocalPort())
          + "; curl -sS -m 5 -o /dev/null -w 'domain:%{http_code}\\n' https://example.com/ || echo domain:failed");
      assertThat(out).contains("direct:refused", "proxy:403").doesNotContain("proxy:200").doesNotContain("domain:200");
      assertThat(reached(other)).as("the listener the spec does not name saw a connection").isFalse();
    }
  }

  /**
   * Found while writing this test: the proxy lets {@code localhost} (and an allowed IP literal)
   * reach the worker's loopback, so a worker allowing any domain ({@code *}) would have handed the
   * step the Temporal frontend; {@link AllowedDomains} now covers those only by their own name.
   */
  @Test
  @DisplayName("a spec names the worker's loopback (localhost, 127.0.0.1:7233) where the worker allows any domain (*)")
  void loopbackByNameUnderAWildcard() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      LoopActivities activities = loop("*");
      String port = Integer.toString(server.getLocalPort());
      assertThatThrownBy(() -> make(activities, new SandboxSpec(true, List.of(), List.of("localhost", "127.0.0.1:" + port)),
          "curl -sS -m 5 --noproxy '' http://localhost:" + port + "/"))
          .rootCause().hasMessageContaining("sandbox.allowedDomains names localhost, 127.0.0.1:" + port + ", which this worker does not allow");
      assertThat(reached(server)).as("the listener saw a connection").isFalse();
    }
  }

  @Test
  @DisplayName("a step connects to a Unix socket of the host (docker.sock, an agent's socket) it can see")
  void hostUnixSocket() throws Exception {
    LoopActivities activities = loop();
    Path socket = tmp.resolve("host.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      server.configureBlocking(false);
      String out = make(activities, SandboxSpec.DEFAULT, "ls -l " + socket + "; socat -u OPEN:/dev/null UNIX-CONNECT:" + socket
          + " && echo unix:open || echo unix:refused");
      assertThat(out).contains("unix:refused").doesNotContain("unix:open");
      assertThat(server.accept()).as("the socket saw a connection").isNull();
    }
  }

  @Test
  @DisplayName("positive control: a destination the spec names and the worker allows is reachable through the proxy")
  void allowedDestinationIsReachable() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String entry = "127.0.0.1:" + server.getLocalPort();
      LoopActivities activities = loop(entry);
      Thread answer = new Thread(() -> SandboxTest.answerOnce(server));
      answer.start();
      String out = make(activities, new SandboxSpec(true, List.of(), List.of(entry)),
          "curl -sS -m 5 --noproxy '' -w 'proxy:%{http_code}\\n' http://" + entry + "/");
      assertThat(out).contains("ok", "proxy:200");
    }
  }

  @Test
  @DisplayName("a spec asks for a destination the worker does not allow: the step fails, naming it")
  void specAsksForMoreThanTheWorkerAllows() throws Exception {
    LoopActivities activities = loop("*.github.com");
    assertThatThrownBy(() -> make(activities, new SandboxSpec(true, List.of(), List.of("api.github.com", "evil.example")), "true"))
        .rootCause().hasMessageContaining("sandbox.allowedDomains names evil.example, which this worker does not allow");
  }

  @Test
  @DisplayName("a step writes .git/hooks/pre-commit so that the worker runs it at the next commit")
  void gitHook() throws Exception {
    LoopActivities activities = loop();
    Path hook = ws().resolve(".git/hooks/pre-commit");
    String out = make(activities, SandboxSpec.DEFAULT, "printf '#!/bin/sh\\ntouch /tmp/pwned\\n' > .git/hooks/pre-commit; "
        + "chmod +x .git/hooks/pre-commit; mv .git/hooks .git/hooks-old; echo done");
    assertThat(out).contains("done");
    assertThat(hook).doesNotExist();
    assertThat(ws().resolve(".git/hooks-old")).doesNotExist();
  }

  @Test
  @DisplayName("a step changes .git/config (core.hooksPath, core.fsmonitor, an alias) to run a command in the worker")
  void gitConfig() throws Exception {
    LoopActivities activities = loop();
    String before = Files.readString(ws().resolve(".git/config"));
    make(activities, SandboxSpec.DEFAULT, "git config core.fsmonitor 'touch /tmp/pwned'; echo '[core] hooksPath = /tmp' >> .git/config; "
        + "rm -f .git/config; echo done");
    assertEquals(before, Files.readString(ws().resolve(".git/config")));
  }

  @Test
  @DisplayName("a step reads the data directory: the API token file, the git store, other loops' workspaces")
  void dataDirectory() throws Exception {
    LoopActivities activities = loop();
    Path data = tmp.resolve("data");
    Files.writeString(data.resolve("api-token"), "the-api-token");
    Files.createDirectories(data.resolve("loops/other-loop/workspace"));
    Files.writeString(data.resolve("loops/other-loop/workspace/secret.txt"), "other-loop-secret");
    String out = make(activities, SandboxSpec.DEFAULT, "cat " + data.resolve("api-token") + "; ls -a " + data + " " + data.resolve("loops")
        + "; cat " + data.resolve("loops/other-loop/workspace/secret.txt") + "; find " + data + " -maxdepth 2");
    assertThat(out).doesNotContain("the-api-token").doesNotContain("other-loop-secret");
    assertThat(out.lines()).doesNotContain("other-loop", "api-token", data.resolve("loops/other-loop").toString());
  }

  @Test
  @DisplayName("a step reads the worker's own environment (DURABLE_LOOPS_API_TOKEN) from its env, /proc or ps")
  void workerEnvironment() throws Exception {
    SandboxTest.sandbox(Sandbox.Mode.SANDBOX_RUNTIME);
    Path out = tmp.resolve("host/data/loops/loop-host/workspace/env.txt");
    String command = "{ env; for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < $f; done; ps -eo args e; } > env.txt 2>&1";
    Process host = stepHost(Sandbox.Mode.SANDBOX_RUNTIME, command, Map.of("DURABLE_LOOPS_API_TOKEN", "worker-token-4711"), false);
    assertThat(host.waitFor()).isZero();
    assertThat(Files.readString(out)).contains("PATH=").doesNotContain("worker-token-4711");
  }

  @Test
  @DisplayName("a step under the sandbox runtime leaves processes behind (setsid, double fork, nohup) that outlive a SIGKILL of the worker")
  void survivesWorkerKillUnderSandboxRuntime() throws Exception {
    assertNothingOutlivesTheWorker(Sandbox.Mode.SANDBOX_RUNTIME, "301.61", false);
  }

  @Test
  @DisplayName("a step under bubblewrap alone leaves processes behind that outlive a SIGKILL of the worker")
  void survivesWorkerKillUnderBubblewrap() throws Exception {
    assertNothingOutlivesTheWorker(Sandbox.Mode.BUBBLEWRAP, "301.62", false);
  }

  @Test
  @DisplayName("a step with no sandbox and no cgroup (the process group alone) leaves processes behind that outlive a SIGKILL of the worker")
  void survivesWorkerKillWithoutSandbox() throws Exception {
    assertNothingOutlivesTheWorker(Sandbox.Mode.NONE, "301.63", true);
  }

  /**
   * Starts a stand-in worker ({@link StepHost}) whose step starts descendants that escape its
   * process group, kills the worker with {@code SIGKILL} once they run, and waits (at most 10 s)
   * until none of them is left.
   */
  private void assertNothingOutlivesTheWorker(Sandbox.Mode mode, String tag, boolean nocap) throws Exception {
    SandboxTest.sandbox(mode);
    assumeTrue(Supervisor.available(), "no perl here for the step supervisor");
    String command = "setsid sleep " + tag + "1 & (sleep " + tag + "2 &); nohup sleep " + tag + "3 >/dev/null 2>&1 & "
        + "sh -c 'setsid sh -c \"sleep " + tag + "4\" &'; sleep 1; echo started > started.txt; sleep " + tag + "5";
    Process host = stepHost(mode, command, Map.of(), nocap);
    Path started = tmp.resolve("host/data/loops/loop-host/workspace/started.txt");
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(started) || !host.isAlive());
    assertThat(host.isAlive()).as("the stand-in worker runs its step").isTrue();
    assertThat(sleeping(tag)).as("the step's processes before the kill").hasSize(5);
    host.destroyForcibly();
    long killed = System.nanoTime();
    await().atMost(Duration.ofSeconds(10)).until(() -> sleeping(tag).isEmpty());
    System.out.printf("attack: worker SIGKILLed under %s: its step's 5 processes gone after %d ms%n", mode,
        Duration.ofNanos(System.nanoTime() - killed).toMillis());
  }

  private static List<String> sleeping(String tag) {
    return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
        .map(p -> p.info().commandLine().orElse("")).filter(c -> c.matches("(/\\S*/)?sleep " + tag.replace(".", "\\.") + "[1-5]")).toList();
  }

  private Process stepHost(Sandbox.Mode mode, String command, Map<String, String> extraEnv, boolean nocap) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), StepHost.class.getName(), mode.name(),
        tmp.resolve("host").toString(), command, nocap ? "nocap" : "cap")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("host.log").toFile());
    pb.environment().putAll(extraEnv);
    return pb.start();
  }
}
