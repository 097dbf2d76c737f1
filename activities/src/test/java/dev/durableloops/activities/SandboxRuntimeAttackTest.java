package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.durableloops.workflows.spec.SandboxSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.StepContext;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the sandbox runtime's long-lived server ({@link SandboxRuntimeServer}), which runs once
 * per worker and network policy and wraps every step: a step must not find it, its channel to the
 * worker, or the proxy of another policy's server. Each must be stopped; {@code deploy/attacks.py}
 * counts every method here as one attack. Tests skip where the sandbox runtime is not installed.
 */
class SandboxRuntimeAttackTest {

  @TempDir Path tmp;
  TestActivityEnvironment env;

  @AfterEach
  void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  /** A prepared loop under the sandbox runtime, the worker allowing {@code example.com}; its activities and workspace. */
  private Object[] loop(String name) throws Exception {
    Sandbox sandbox = SandboxTest.sandbox(Sandbox.Mode.SANDBOX_RUNTIME, "example.com");
    Path origin = TestRepos.create(tmp.resolve("origin-" + name), Map.of("a.txt", "a\n"));
    if (env == null) {
      env = TestActivityEnvironment.newInstance();
      env.registerActivitiesImplementations(new WorkerActivities(tmp.resolve("data"),
          new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of(), sandbox), GitStore.under(tmp.resolve("data"))).all());
    }
    WorkspaceActivities activities = env.newActivityStub(WorkspaceActivities.class);
    PrepareResult prepared = activities.prepare(new PrepareInput(name, new WorkspaceSpec(origin.toString(), "main"), null));
    return new Object[] {activities, prepared};
  }

  /** Runs {@code command} as the maker of {@code loop} with {@code spec}; returns what it wrote. */
  private static String make(Object[] loop, String name, SandboxSpec spec, String command) throws Exception {
    WorkspaceActivities activities = (WorkspaceActivities) loop[0];
    PrepareResult prepared = (PrepareResult) loop[1];
    activities.make(new MakeInput(new StepContext(name, 1, "goal", prepared.commit(), Map.of(), List.of(), spec),
        new StepSpec("(" + command + ") > .loop/out.txt 2>&1", "PT1M")));
    return Files.readString(Path.of(prepared.workspacePath()).resolve(".loop/out.txt"));
  }

  @Test
  @DisplayName("a step looks for the sandbox runtime's server and the worker (their processes, the pipes between them) to ask for settings of its own")
  void aStepCannotFindTheServerOrItsChannel() throws Exception {
    Object[] loop = loop("loop-find");
    String out = make(loop, "loop-find", SandboxSpec.DEFAULT, "for p in /proc/[0-9]*; do echo \"$p $(tr '\\0' ' ' < $p/cmdline)\";"
        + " ls -l $p/fd 2>/dev/null | grep -ao 'pipe:.*'; done; echo done");
    String jvm = ProcessHandle.current().info().command().orElse("/bin/java");
    assertThat(out).as("the step lists the processes it can see").contains("/proc/1 ");
    assertThat(out).contains("done").doesNotContain("srt-wrapper").doesNotContain("--input-type=module").doesNotContain(jvm + " ");
    // The worker's own process and the server are outside the step's PID namespace: neither is /proc/<pid> there.
    assertThat(Files.exists(Path.of("/proc", Long.toString(ProcessHandle.current().pid())))).isTrue();
    assertThat(out).doesNotContain("/proc/" + ProcessHandle.current().pid() + " ");
  }

  @Test
  @DisplayName("a step with no network looks for the proxy sockets of the server of a policy that allows a destination")
  void aStepCannotReachAnotherPolicysProxy() throws Exception {
    // A step of a loop whose spec allows example.com: its server (a policy of its own) runs from now on.
    Object[] open = loop("loop-open");
    String opened = make(open, "loop-open", new SandboxSpec(true, List.of(), List.of("example.com")),
        "find /tmp /var/tmp /dev/shm -name 'claude-*.sock' 2>/dev/null; echo done");
    assertThat(opened).contains("done");
    List<String> ownSockets = opened.lines().filter(l -> l.endsWith(".sock")).toList();
    assertThat(ownSockets).as("the step sees its own server's sockets").isNotEmpty();

    // A step of a loop with no destinations: it sees its own server's sockets alone, never those above.
    Object[] closed = loop("loop-closed");
    String seen = make(closed, "loop-closed", SandboxSpec.DEFAULT,
        "find /tmp /var/tmp /dev/shm -name 'claude-*.sock' 2>/dev/null; ls -a /tmp; echo done");
    assertThat(seen).contains("done");
    for (String socket : ownSockets) {
      assertThat(seen).as("another policy's proxy socket").doesNotContain(socket)
          .doesNotContain(Path.of(socket).getParent().getFileName().toString());
    }
  }
}
