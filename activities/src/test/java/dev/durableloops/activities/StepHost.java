package dev.durableloops.activities;

import dev.durableloops.workflows.spec.SandboxSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A stand-in worker for tests that kill the worker: a JVM of its own that runs one step command
 * the way the activities do (the worker's environment through {@link CommandPolicy}, the sandbox's
 * command line, the {@link Supervisor}, the loop's cgroup) and waits for it.
 *
 * <p>Arguments: the sandbox mode, the directory to work in (it gets {@code data/} and a workspace
 * inside it), the command; with the process cap off when the fourth argument is {@code nocap}.
 */
final class StepHost {

  private StepHost() {}

  public static void main(String[] args) throws Exception {
    Sandbox.Mode mode = Sandbox.Mode.valueOf(args[0]);
    Path dir = Path.of(args[1]);
    String command = args[2];
    boolean cap = args.length < 4 || !args[3].equals("nocap");
    Sandbox sandbox = Sandbox.detect(new Sandbox.Settings(mode, List.of(), cap ? ProcessLimit.DEFAULT_MAX_PROCESSES : 0));
    Path data = dir.resolve("data");
    Path loopDir = data.resolve("loops/loop-host");
    Path workspace = Files.createDirectories(loopDir.resolve("workspace"));
    Map<String, String> env = CommandPolicy.standard().environment(System.getenv(), List.of(), Map.of());
    Sandbox.Wrapped wrapped = sandbox.wrap(command, env, workspace, loopDir, data, SandboxSpec.DEFAULT);
    CommandRunner.Launch launch = new CommandRunner.Launch(command, wrapped.argv(), workspace,
        sandbox.limit().open("loop-host-" + ProcessHandle.current().pid()).orElse(null));
    new CommandRunner().run(launch, wrapped.env(), Duration.ofMinutes(10), loopDir.resolve("step.log"), null,
        loopDir.resolve("running.pid"), CommandRunner.Progress.NONE);
    wrapped.cleanup().run();
  }
}
