package dev.durableloops.activities;

import dev.durableloops.workflows.spec.SandboxSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a sandbox costs one step, for {@code bench/run.sh}: runs a command the way the activities
 * run a step command (the sandbox's command line and settings, the {@link Supervisor}, the loop's
 * cgroup, the log file, the clean-up after) and times it from the start of the preparation to the
 * end of the clean-up. The command runs with the {@link SandboxSpec#DEFAULT} spec and the worker's
 * inherited environment ({@link CommandPolicy#DEFAULT_INHERITED}). No fence, no git: what is left
 * of a step when those are taken away. One instance runs one step at a time.
 */
public final class SandboxCost {

  private final Sandbox sandbox;
  private final Path data;
  private final Path loopDir;
  private final Path workspace;
  private final Map<String, String> env;
  private final CommandRunner runner = new CommandRunner();

  private SandboxCost(Sandbox sandbox, Path dir) throws IOException {
    this.sandbox = sandbox;
    this.data = dir.toAbsolutePath().normalize().resolve("data");
    this.loopDir = data.resolve("loops/loop-cost");
    this.workspace = Files.createDirectories(loopDir.resolve("workspace"));
    this.env = CommandPolicy.standard().environment(System.getenv(), List.of(), Map.of());
  }

  /**
   * Steps under {@code sandbox} in a workspace made under {@code dir}.
   *
   * @throws IOException when {@code dir} cannot be written
   */
  public static SandboxCost in(Sandbox sandbox, Path dir) throws IOException {
    return new SandboxCost(sandbox, dir);
  }

  /**
   * Runs {@code command} {@code runs} times under {@code sandbox} in a workspace made under
   * {@code dir}, after one unmeasured run.
   *
   * @return the wall time of each run, ms
   * @throws IllegalStateException when a run does not exit 0 (its output's tail is in the message)
   * @throws IOException when {@code dir} cannot be written
   */
  public static List<Double> millisPerStep(Sandbox sandbox, String command, Path dir, int runs) throws IOException {
    SandboxCost cost = in(sandbox, dir);
    List<Double> millis = new ArrayList<>();
    for (int i = 0; i <= runs; i++) {
      double ms = cost.step(command);
      if (i > 0) {
        millis.add(ms);
      }
    }
    return millis;
  }

  /**
   * Runs {@code command} once as a step runs it.
   *
   * @return its wall time, ms, preparation and clean-up included
   * @throws IllegalStateException when it does not exit 0 (its output's tail is in the message)
   */
  public synchronized double step(String command) {
    long started = System.nanoTime();
    CommandRunner.Run run;
    // As a step does (StepCommands): the supervisor first, its child joining the cgroup while the sandbox wraps.
    try (PendingCommand pending = runner.start(workspace, sandbox.limit().open("loop-cost-" + ProcessHandle.current().pid()).orElse(null),
        loopDir.resolve("step.log"), null, loopDir.resolve("running.pid"))) {
      Sandbox.Wrapped wrapped = sandbox.wrap(command, env, workspace, loopDir, data, SandboxSpec.DEFAULT);
      try {
        run = runner.run(pending, command, wrapped.argv(), wrapped.env(), Duration.ofMinutes(1), CommandRunner.Progress.NONE);
      } finally {
        wrapped.cleanup().run();
      }
    }
    if (run.exitCode() != 0) {
      throw new IllegalStateException("'" + command + "' exited " + run.exitCode() + " under " + sandbox.describe() + ": " + run.tail());
    }
    return Duration.ofNanos(System.nanoTime() - started).toNanos() / 1e6;
  }
}
