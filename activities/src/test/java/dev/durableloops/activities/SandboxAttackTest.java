package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.durableloops.workflows.spec.SandboxSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.steps.WorkspaceActivities;
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
  private WorkspaceActivities loop(String... allowed) throws Exception {
    return loop(SandboxTest.sandbox(Sandbox.Mode.SANDBOX_RUNTIME, allowed));
  }

  /** A prepared loop {@code loop-a} under {@code sandbox}; its activities. */
  private WorkspaceActivities loop(Sandbox sandbox) throws Exception {
    Path origin = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "a\n"));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new WorkerActivities(tmp.resolve("data"),
        new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of(), sandbox), GitStore.under(tmp.resolve("data"))).all());
    WorkspaceActivities activities = env.newActivityStub(WorkspaceActivities.class);
    prepared = activities.prepare(new PrepareInput("loop-a", new WorkspaceSpec(origin.toString(), "main"), null));
    return activities;
  }

  /** Runs {@code command} as the loop's maker with {@code spec}; returns what it wrote to {@code .loop/out.txt}. */
  private String make(WorkspaceActivities activities, SandboxSpec spec, String command) throws Exception {
    return make(activities, spec, Map.of(), command);
  }

  /** Runs {@code command} as the loop's maker with {@code spec} and the spec's {@code env}; returns what it wrote to {@code .loop/out.txt}. */
  private String make(WorkspaceActivities activities, SandboxSpec spec, Map<String, String> specEnv, String command) throws Exception {
    activities.make(new MakeInput(new StepContext("loop-a", 1, "goal", prepared.commit(), specEnv, List.of(), spec),
        new StepSpec("(" + command + ") > .loop/out.txt 2>&1", "PT1M")));
    return Files.readString(ws().resolve(".loop/out.txt"));
  }

  /** The sandbox of {@code mode}: the process group alone for {@link Sandbox.Mode#NONE}. */
  private static Sandbox sandboxOf(Sandbox.Mode mode) {
    return mode == Sandbox.Mode.NONE ? Sandbox.detect(Sandbox.Mode.NONE, List.of(), 0) : SandboxTest.sandbox(mode);
  }

  /**
   * Runs {@code true} as the maker of a loop under {@code mode}, with the spec's {@code env} made by
   * {@code attack} from a command line that would leave a marker outside the workspace (with the
   * worker's environment in it) and one in the loop's {@code .loop}; neither may appear: the step's
   * own {@code sh -c true} ignores every one of these variables, so a marker means a process before
   * the command (the supervisor, srt's node, its shells, bwrap) read it.
   */
  private void assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode mode, java.util.function.Function<String, Map<String, String>> attack)
      throws Exception {
    WorkspaceActivities activities = loop(sandboxOf(mode));
    Path outside = tmp.resolve("marker-outside");
    Path inside = ws().resolve(".loop/marker-inside");
    String payload = "cat /proc/$PPID/environ > " + outside + "; touch " + inside;
    make(activities, SandboxSpec.DEFAULT, attack.apply(payload), "echo ran");
    assertThat(Files.readString(ws().resolve(".loop/out.txt"))).contains("ran");
    assertThat(outside).as("a process outside the sandbox ran the spec's env").doesNotExist();
    assertThat(inside).as("a process before the step's command ran the spec's env").doesNotExist();
  }

  /** {@code PERL5OPT}: code for every perl that starts (the step supervisor is one). */
  private static Map<String, String> perl5opt(String payload) {
    return Map.of("PERL5OPT", "-Mbase;system(q{" + payload + "})");
  }

  /** {@code BASH_ENV}: a script every non-interactive bash sources first. */
  private Map<String, String> bashEnv(String payload) throws Exception {
    return Map.of("BASH_ENV", Files.writeString(tmp.resolve("bash-env.sh"), payload + "\n").toString());
  }

  /** {@code ENV}: a script an interactive or POSIX-mode shell sources first. */
  private Map<String, String> shEnv(String payload) throws Exception {
    return Map.of("ENV", Files.writeString(tmp.resolve("sh-env.sh"), payload + "\n").toString());
  }

  /** {@code SHELLOPTS=xtrace} with a {@code PS4} that runs a command at every traced line of a bash. */
  private static Map<String, String> xtrace(String payload) {
    return Map.of("SHELLOPTS", "xtrace", "PS4", "$(" + payload + ")");
  }

  /**
   * A shared library whose constructor runs {@code payload} in every program that loads it but the
   * step's own shell ({@code dash}, {@code sh}), compiled here; the test skips without a C compiler.
   */
  private Path library(String payload) throws Exception {
    assumeTrue(Sandbox.onPath("cc") != null, "no C compiler here to build the preloaded library");
    Path source = Files.writeString(tmp.resolve("evil.c"), "#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n"
        + "unsigned int la_version(unsigned int v) { return v; }\n"
        + "__attribute__((constructor)) static void evil(void) {\n"
        + "  char exe[4096]; ssize_t n = readlink(\"/proc/self/exe\", exe, sizeof exe - 1);\n"
        + "  if (n > 0) { exe[n] = 0; const char *b = strrchr(exe, '/'); b = b ? b + 1 : exe;\n"
        + "    if (!strcmp(b, \"dash\") || !strcmp(b, \"sh\")) return; }\n"
        + "  unsetenv(\"LD_PRELOAD\"); unsetenv(\"LD_AUDIT\");\n"
        + "  system(\"" + payload.replace("\\", "\\\\").replace("\"", "\\\"") + "\"); }\n");
    Path lib = tmp.resolve("evil.so");
    Process cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-o", lib.toString(), source.toString()).redirectErrorStream(true).start();
    assertThat(cc.waitFor()).as(new String(cc.getInputStream().readAllBytes())).isZero();
    return lib;
  }

  @Test
  @DisplayName("the spec's env sets PERL5OPT to run code in the step supervisor (perl, the worker's child) under the sandbox runtime")
  void perl5optUnderSandboxRuntime() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.SANDBOX_RUNTIME, SandboxAttackTest::perl5opt);
  }

  @Test
  @DisplayName("the spec's env sets PERL5OPT to run code in the step supervisor under bubblewrap")
  void perl5optUnderBubblewrap() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.BUBBLEWRAP, SandboxAttackTest::perl5opt);
  }

  @Test
  @DisplayName("the spec's env sets PERL5OPT to run code in the step supervisor with the process group alone")
  void perl5optWithProcessGroup() throws Exception {
    assumeTrue(Supervisor.available(), "no perl here for the step supervisor");
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.NONE, SandboxAttackTest::perl5opt);
  }

  @Test
  @DisplayName("the spec's env sets LD_PRELOAD to a library that runs code in perl, node and bwrap under the sandbox runtime")
  void ldPreloadUnderSandboxRuntime() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.SANDBOX_RUNTIME, p -> Map.of("LD_PRELOAD", uncheckedLibrary(p)));
  }

  @Test
  @DisplayName("the spec's env sets LD_PRELOAD to a library that runs code in perl and bwrap under bubblewrap")
  void ldPreloadUnderBubblewrap() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.BUBBLEWRAP, p -> Map.of("LD_PRELOAD", uncheckedLibrary(p)));
  }

  @Test
  @DisplayName("the spec's env sets LD_PRELOAD to a library that runs code in the supervisor with the process group alone")
  void ldPreloadWithProcessGroup() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.NONE, p -> Map.of("LD_PRELOAD", uncheckedLibrary(p)));
  }

  @Test
  @DisplayName("the spec's env sets LD_AUDIT to a library the dynamic linker loads into perl, node and bwrap under the sandbox runtime")
  void ldAuditUnderSandboxRuntime() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.SANDBOX_RUNTIME, p -> Map.of("LD_AUDIT", uncheckedLibrary(p)));
  }

  @Test
  @DisplayName("the spec's env sets LD_AUDIT to a library the dynamic linker loads into perl and bwrap under bubblewrap")
  void ldAuditUnderBubblewrap() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.BUBBLEWRAP, p -> Map.of("LD_AUDIT", uncheckedLibrary(p)));
  }

  @Test
  @DisplayName("the spec's env sets LD_AUDIT to a library the dynamic linker loads into the supervisor with the process group alone")
  void ldAuditWithProcessGroup() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.NONE, p -> Map.of("LD_AUDIT", uncheckedLibrary(p)));
  }

  @Test
  @DisplayName("the spec's env sets NODE_OPTIONS=--require evil.js for srt's own node, which runs outside the sandbox")
  void nodeOptionsUnderSandboxRuntime() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.SANDBOX_RUNTIME, p -> {
      try {
        Path script = Files.writeString(tmp.resolve("evil.js"), "require('child_process').execSync(" + quoteJs(p) + ");\n");
        return Map.of("NODE_OPTIONS", "--require " + script);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  @Test
  @DisplayName("the spec's env sets OPENSSL_CONF to a configuration that loads a library into srt's own node")
  void opensslConfUnderSandboxRuntime() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.SANDBOX_RUNTIME, p -> {
      try {
        Path conf = Files.writeString(tmp.resolve("openssl.cnf"), "openssl_conf = conf_sect\nnodejs_conf = conf_sect\n"
            + "[conf_sect]\nengines = engine_sect\n[engine_sect]\nevil = evil_sect\n[evil_sect]\ndynamic_path = "
            + uncheckedLibrary(p) + "\ninit = 1\n");
        return Map.of("OPENSSL_CONF", conf.toString());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  @Test
  @DisplayName("the spec's env sets SHELLOPTS=xtrace and a PS4 that runs a command, for srt's shells before its seccomp filter")
  void xtraceUnderSandboxRuntime() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.SANDBOX_RUNTIME, SandboxAttackTest::xtrace);
  }

  @Test
  @DisplayName("the spec's env sets SHELLOPTS=xtrace and a PS4 that runs a command under bubblewrap")
  void xtraceUnderBubblewrap() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.BUBBLEWRAP, SandboxAttackTest::xtrace);
  }

  @Test
  @DisplayName("the spec's env sets SHELLOPTS=xtrace and a PS4 that runs a command with the process group alone")
  void xtraceWithProcessGroup() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.NONE, SandboxAttackTest::xtrace);
  }

  @Test
  @DisplayName("the spec's env sets BASH_ENV to a script srt's inner bash sources before its seccomp filter")
  void bashEnvUnderSandboxRuntime() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.SANDBOX_RUNTIME, p -> unchecked(() -> bashEnv(p)));
  }

  @Test
  @DisplayName("the spec's env sets BASH_ENV to a script a bash before the command would source, under bubblewrap")
  void bashEnvUnderBubblewrap() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.BUBBLEWRAP, p -> unchecked(() -> bashEnv(p)));
  }

  @Test
  @DisplayName("the spec's env sets BASH_ENV to a script a bash before the command would source, with the process group alone")
  void bashEnvWithProcessGroup() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.NONE, p -> unchecked(() -> bashEnv(p)));
  }

  @Test
  @DisplayName("the spec's env sets ENV to a script a POSIX shell before the command would source, under the sandbox runtime")
  void envUnderSandboxRuntime() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.SANDBOX_RUNTIME, p -> unchecked(() -> shEnv(p)));
  }

  @Test
  @DisplayName("the spec's env sets ENV to a script a POSIX shell before the command would source, under bubblewrap")
  void envUnderBubblewrap() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.BUBBLEWRAP, p -> unchecked(() -> shEnv(p)));
  }

  @Test
  @DisplayName("the spec's env sets ENV to a script a POSIX shell before the command would source, with the process group alone")
  void envWithProcessGroup() throws Exception {
    assertSpecEnvRunsNothingBeforeTheCommand(Sandbox.Mode.NONE, p -> unchecked(() -> shEnv(p)));
  }

  /** Positive control: the spec's env reaches the step's command itself under {@code mode}, {@code LD_PRELOAD} and {@code PERL5OPT} included. */
  private void assertSpecEnvReachesTheCommand(Sandbox.Mode mode, String tmpdir) throws Exception {
    WorkspaceActivities activities = loop(sandboxOf(mode));
    String out = make(activities, SandboxSpec.DEFAULT, Map.of("GREETING", "hi there\nwith=two lines", "PERL5OPT", "-w", "LD_PRELOAD", ""),
        "echo \"$GREETING|$PERL5OPT|${LD_PRELOAD-unset}|${TMPDIR-unset}|$LOOP_ID\"");
    assertThat(out.strip()).isEqualTo("hi there\nwith=two lines|-w||" + tmpdir + "|loop-a");
  }

  @Test
  @DisplayName("positive control: the spec's env reaches the step's command under the sandbox runtime")
  void specEnvReachesTheCommandUnderSandboxRuntime() throws Exception {
    assertSpecEnvReachesTheCommand(Sandbox.Mode.SANDBOX_RUNTIME, "/tmp");
  }

  @Test
  @DisplayName("positive control: the spec's env reaches the step's command under bubblewrap")
  void specEnvReachesTheCommandUnderBubblewrap() throws Exception {
    assertSpecEnvReachesTheCommand(Sandbox.Mode.BUBBLEWRAP, "/tmp");
  }

  @Test
  @DisplayName("positive control: the spec's env reaches the step's command with the process group alone")
  void specEnvReachesTheCommandWithProcessGroup() throws Exception {
    assertSpecEnvReachesTheCommand(Sandbox.Mode.NONE, System.getenv().getOrDefault("TMPDIR", "unset"));
  }

  private interface IoSupplier<T> {
    T get() throws Exception;
  }

  private static <T> T unchecked(IoSupplier<T> supplier) {
    try {
      return supplier.get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String uncheckedLibrary(String payload) {
    return unchecked(() -> library(payload)).toString();
  }

  private static String quoteJs(String text) {
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
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
    WorkspaceActivities activities = loop();
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
    WorkspaceActivities activities = loop();
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
      WorkspaceActivities activities = loop(entry, "example.com");
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
      WorkspaceActivities activities = loop("*");
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
    WorkspaceActivities activities = loop();
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
      WorkspaceActivities activities = loop(entry);
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
    WorkspaceActivities activities = loop("*.github.com");
    assertThatThrownBy(() -> make(activities, new SandboxSpec(true, List.of(), List.of("api.github.com", "evil.example")), "true"))
        .rootCause().hasMessageContaining("sandbox.allowedDomains names evil.example, which this worker does not allow");
  }

  @Test
  @DisplayName("a step writes .git/hooks/pre-commit so that the worker runs it at the next commit")
  void gitHook() throws Exception {
    WorkspaceActivities activities = loop();
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
    WorkspaceActivities activities = loop();
    String before = Files.readString(ws().resolve(".git/config"));
    make(activities, SandboxSpec.DEFAULT, "git config core.fsmonitor 'touch /tmp/pwned'; echo '[core] hooksPath = /tmp' >> .git/config; "
        + "rm -f .git/config; echo done");
    assertEquals(before, Files.readString(ws().resolve(".git/config")));
  }

  @Test
  @DisplayName("a step reads the data directory: the API token file, the git store, other loops' workspaces")
  void dataDirectory() throws Exception {
    WorkspaceActivities activities = loop();
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
