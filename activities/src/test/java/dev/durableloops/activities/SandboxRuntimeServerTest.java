package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.durableloops.workflows.spec.SandboxSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox runtime's long-lived servers ({@link SandboxRuntimeServer}) as the worker keeps them:
 * one per network policy, started again when one died, at most {@link SandboxRuntime#MAX_SERVERS}
 * kept while idle. Skips where the sandbox runtime is not installed.
 */
class SandboxRuntimeServerTest {

  static final List<String> DOMAINS = List.of("a.example", "b.example", "c.example", "d.example", "e.example", "f.example");

  @TempDir Path tmp;

  /** This JVM's running servers, by process id. */
  private static Set<Long> servers() {
    return ProcessHandle.current().descendants()
        .filter(p -> p.isAlive() && p.info().commandLine().orElse("").contains("srt-wrapper"))
        .map(ProcessHandle::pid).collect(Collectors.toSet());
  }

  /** Wraps and runs {@code true} for a step whose spec allows {@code domains}; its exit code. */
  private int step(Sandbox sandbox, List<String> domains) throws Exception {
    Path data = tmp.resolve("data");
    Path loopDir = data.resolve("loops/loop-srv");
    Path workspace = Files.createDirectories(loopDir.resolve("workspace"));
    Sandbox.Wrapped wrapped = sandbox.wrap("true", Map.of("PATH", "/usr/bin:/bin"), workspace, loopDir, data,
        new SandboxSpec(true, List.of(), domains));
    try {
      CommandRunner.Run run = new CommandRunner().run(new CommandRunner.Launch("true", wrapped.argv(), workspace, null), wrapped.env(),
          Duration.ofMinutes(1), loopDir.resolve("step.log"), null, loopDir.resolve("running.pid"), CommandRunner.Progress.NONE);
      return run.exitCode();
    } finally {
      wrapped.cleanup().run();
    }
  }

  @Test
  void aServerThatDiedIsStartedAgainOnTheNextStep() throws Exception {
    Sandbox sandbox = SandboxTest.sandbox(Sandbox.Mode.SANDBOX_RUNTIME);
    assertThat(step(sandbox, List.of())).isZero();
    Set<Long> before = servers();
    assertThat(before).isNotEmpty();
    before.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    await().atMost(Duration.ofSeconds(10)).until(() -> before.stream().noneMatch(pid -> ProcessHandle.of(pid).isPresent()));

    assertThat(step(sandbox, List.of())).isZero();
    assertThat(servers()).isNotEmpty().doesNotContainAnyElementsOf(before);
  }

  @Test
  void eachPolicyHasAServerAndAtMostFourStayWhileIdle() throws Exception {
    Sandbox sandbox = SandboxTest.sandbox(Sandbox.Mode.SANDBOX_RUNTIME, DOMAINS.toArray(String[]::new));
    for (String domain : DOMAINS) {
      assertThat(step(sandbox, List.of(domain))).as(domain).isZero();
      assertThat(servers().size()).as("servers after a step allowing " + domain).isLessThanOrEqualTo(SandboxRuntime.MAX_SERVERS);
    }
    // The same policy again uses its server: no new process.
    Set<Long> now = servers();
    assertThat(step(sandbox, List.of(DOMAINS.get(DOMAINS.size() - 1)))).isZero();
    assertThat(servers()).isEqualTo(now);
  }
}
