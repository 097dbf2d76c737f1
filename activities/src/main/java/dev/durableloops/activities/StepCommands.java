package dev.durableloops.activities;

import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.steps.StepContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the activities run a step command: the loop's workspace claimed ({@link Fence}) and
 * reconciled, the command started in the sandbox with the step's environment and the loop's
 * cgroup, and its log redacted and recorded. One instance serves every loop of a worker.
 */
final class StepCommands {

  private static final Logger log = LoggerFactory.getLogger(StepCommands.class);

  private final LoopPaths paths;
  private final GitWorkspace git;
  private final Fence fence;
  private final CommandPolicy policy;
  private final CommandRunner runner;
  private final Redaction redaction;

  StepCommands(LoopPaths paths, GitWorkspace git, Fence fence, CommandPolicy policy, Redaction redaction) {
    this.paths = paths;
    this.git = git;
    this.fence = fence;
    this.policy = policy;
    this.runner = new CommandRunner(policy.outputCapBytes());
    this.redaction = redaction;
  }

  /** Claims the loop for this activity ({@link Fence}) and reconciles its workspace to the step's commit. */
  Fence.Lease reconciled(StepContext ctx) {
    Fence.Lease lease = claim(ctx.loopId());
    lease.write("reconcile the workspace to " + ctx.commit(), () -> git.reconcile(ctx.loopId(), ctx.commit()));
    return lease;
  }

  /**
   * Makes the running activity the owner of the loop's workspace; whatever the loop still runs (an
   * abandoned run's or an earlier attempt's commands) is killed.
   */
  Fence.Lease claim(String loopId) {
    return fence.claim(loopId, () -> {
      CommandRunner.reapLeftover(paths.loopDir(loopId).resolve("running.pid"));
      policy.sandbox().limit().reap(cgroupKey(loopId));
    });
  }

  /**
   * Runs {@code step}'s command for the loop of {@code ctx} in its workspace, under {@code lease}:
   * the step's environment ({@link StepVariables}, with {@code extra}), the sandbox, the loop's
   * cgroup, live output in heartbeats; its log (and {@code stdout} when kept apart) redacted and
   * recorded in the git store.
   *
   * @param name the log's name ({@code make}, {@code check-<name>} …)
   * @param stdout where stdout goes alone, or {@code null} to put it in the log
   */
  CommandRunner.Run run(StepContext ctx, Fence.Lease lease, StepSpec step, String name, Path stdout, Map<String, String> extra) {
    Path ws = paths.workspace(ctx.loopId());
    // The memory directory is ignored by git and may not exist yet (a fresh clone, a moved worker).
    lease.write("make the memory directory", () -> WorkspaceFiles.ownDirectory(ws, MemoryFiles.DIR));
    Map<String, String> env = StepVariables.of(policy, ctx, ws, extra);
    Path logFile = paths.log(ctx.loopId(), ctx.iteration(), name);
    Sandbox sandbox = policy.sandbox();
    CommandRunner.Run run;
    // The supervisor starts first: its child joins the loop's cgroup (a wait for the kernel's RCU
    // grace period) while the sandbox makes the command line.
    try (PendingCommand pending = runner.start(ws, sandbox.limit().open(cgroupKey(ctx.loopId())).orElse(null), logFile, stdout,
        paths.loopDir(ctx.loopId()).resolve("running.pid"))) {
      // The step's environment file (and, under bubblewrap alone, its own /tmp) go in the loop's directory, hence under the fence.
      Sandbox.Wrapped wrapped = lease.write("prepare the step's sandbox",
          () -> sandbox.wrap(step.command(), env, ws, paths.loopDir(ctx.loopId()), paths.dataDir(), ctx.sandboxOrDefault()));
      // From here the step's command may write anything in the workspace's .git: the worker checks it again before its next use.
      TrustedGit.distrust(ws);
      try {
        run = runner.run(pending, step.command(), wrapped.argv(), wrapped.env(), step.timeoutDuration(), LiveOutput.of(name, redaction));
      } finally {
        wrapped.cleanup().run();
      }
    }
    LiveOutput.of(name, redaction).after(run, "recording the log");
    recordLogs(lease, stdout == null ? List.of(logFile) : List.of(logFile, stdout));
    return run;
  }

  /** The name of a loop's cgroup: unique to the data directory and the loop on this machine. */
  private String cgroupKey(String loopId) {
    return "loop-" + Hashes.sha256(paths.dataDir() + "\n" + loopId).substring(0, 16);
  }

  /**
   * Puts a step's logs into the git store for the API, in one commit and one push. Best effort: a
   * log whose secrets cannot be removed is left out, a store that cannot take them now is logged,
   * and the step goes on (its commits' pushes fail it retryably if the store stays away), so a maker
   * that ran for an hour is not run again for the sake of its log.
   */
  private void recordLogs(Fence.Lease lease, List<Path> files) {
    String loopId = lease.loopId();
    Map<String, Path> redacted = new LinkedHashMap<>();
    for (Path file : files) {
      try {
        redaction.applyTo(file);
        redacted.put(file.getFileName().toString(), file);
      } catch (IOException e) {
        log.warn("log {} of loop {} not recorded: secrets could not be removed from it: {}", file.getFileName(), loopId, e.getMessage());
      }
    }
    if (redacted.isEmpty()) {
      return;
    }
    try {
      lease.write("record logs " + redacted.keySet(), () -> git.recordLogs(loopId, redacted));
    } catch (StepException e) {
      log.warn("logs {} of loop {} not recorded in the git store: {}", redacted.keySet(), loopId, e.getMessage());
    }
  }
}
