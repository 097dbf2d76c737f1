package dev.durableloops.activities;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.durableloops.workflows.Texts;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.steps.AttemptIds;
import dev.durableloops.workflows.steps.CheckInput;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.steps.CheckpointInput;
import dev.durableloops.workflows.steps.CheckpointResult;
import dev.durableloops.workflows.steps.DiscardInput;
import dev.durableloops.workflows.steps.DiscoverInput;
import dev.durableloops.workflows.steps.DiscoverResult;
import dev.durableloops.workflows.steps.GateInput;
import dev.durableloops.workflows.steps.GatePolicy;
import dev.durableloops.workflows.steps.GateResult;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.PlanInput;
import dev.durableloops.workflows.steps.PlanResult;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.ReflectInput;
import dev.durableloops.workflows.steps.ReflectResult;
import dev.durableloops.workflows.steps.ReviewInput;
import dev.durableloops.workflows.steps.ReviewResult;
import dev.durableloops.workflows.steps.RollbackInput;
import dev.durableloops.workflows.steps.StepContext;
import dev.durableloops.workflows.steps.Task;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The workspace steps at the activity boundary ({@link ActivityBoundary}), against a real git
 * workspace ({@link GitWorkspace}) and real processes ({@link StepCommands}); what a step reads
 * back is parsed by its own class ({@link DiscoveredTasks}, {@link MakerReport}, {@link Checks}).
 * Built by {@link WorkerActivities}.
 *
 * <p>Besides the environment of every step command ({@link StepVariables}), the reviewer gets
 * {@code LOOP_DIFF_FILE} and the reflect command {@code LOOP_EVIDENCE_FILE} (JSON).
 */
final class WorkspaceActivitiesImpl implements WorkspaceActivities {

  /** Characters kept of a reflection. */
  static final int MAX_REFLECTION_CHARS = 4_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LoopPaths paths;
  private final GitWorkspace git;
  private final StepCommands commands;
  private final Checks checks;
  private final CommandPolicy policy;
  private final Redaction redaction;
  private final ActivityBoundary boundary;
  private final StepObserver observer;
  private final LoopGuard guard;
  private final String hostQueue;
  /** The heartbeat timeout this worker asks for its command steps (ISO-8601), or {@code null}: the workflow's default. */
  private final String heartbeatTimeout;
  private final MakerSlots makers;

  /** @param hostQueue this worker's own task queue, which {@code Prepare} reports; or {@code null} */
  WorkspaceActivitiesImpl(LoopPaths paths, GitWorkspace git, StepCommands commands, CommandPolicy policy, Redaction redaction,
      ActivityBoundary boundary, StepObserver observer, LoopGuard guard, String hostQueue, String heartbeatTimeout, MakerSlots makers) {
    this.paths = paths;
    this.git = git;
    this.commands = commands;
    this.checks = new Checks(paths, commands, redaction);
    this.policy = policy;
    this.redaction = redaction;
    this.boundary = boundary;
    this.observer = observer;
    this.guard = guard;
    this.hostQueue = hostQueue;
    this.heartbeatTimeout = heartbeatTimeout;
    this.makers = makers;
  }

  @Override
  public PrepareResult prepare(PrepareInput input) {
    return boundary.run("Prepare", () -> {
      ActivityBoundary.loop(input.loopId());
      // Before anything runs or is cloned: a loop started on Temporal directly gets the API's checks here.
      guard.admit(input);
      Fence.Lease lease = commands.claim(input.loopId());
      GitWorkspace.Prepared prepared = lease.write("prepare the workspace",
          // A fan-out's child shares the repository's objects with the other children on this worker.
          () -> git.prepare(input.loopId(), input.workspace(), input.commit(), input.forkOf(), input.parentLoopId() != null));
      return new PrepareResult(
          prepared.dir().toString(), LoopRefs.workBranch(input.loopId()), prepared.baseCommit(), prepared.commit(), hostQueue,
          policy.sandbox().describe(), hostQueue == null ? null : heartbeatTimeout);
    });
  }

  @Override
  public DiscoverResult discover(DiscoverInput input) {
    return boundary.run("Discover", () -> {
      StepContext ctx = ActivityBoundary.context(input.context());
      if (input.discover() == null) {
        return new DiscoverResult(List.of(ctx.goal()), ctx.goal(), 0, null, null);
      }
      Fence.Lease lease = commands.reconciled(ctx);
      Path stdout = paths.log(ctx.loopId(), ctx.iteration(), "discover.out");
      CommandRunner.Run run = commands.run(ctx, lease, input.discover(), "discover", stdout, Map.of());
      // Task texts enter history and the state: secrets the command printed are replaced first.
      List<Task> items = DiscoveredTasks.parse(StepLogs.read(stdout), redaction);
      String task = items.isEmpty() ? null : items.get(0).text();
      if (task == null && (run.exitCode() != 0)) {
        // A failing discover command is not proof that no work is left.
        task = ctx.goal();
      }
      return new DiscoverResult(items.stream().map(Task::title).toList(), task, run.exitCode(), run.log().toString(), items);
    });
  }

  @Override
  public PlanResult plan(PlanInput input) {
    return boundary.run("Plan", () -> {
      StepContext ctx = ActivityBoundary.context(input.context());
      Path ws = paths.workspace(ctx.loopId());
      Fence.Lease lease = commands.reconciled(ctx);
      Path prompt = ws.resolve(MemoryFiles.PROMPT);
      // A best-of-N attempt takes the prompt its iteration's plan made in the loop's workspace (a step's file, read as one).
      String planned = null;
      if (input.promptFrom() != null) {
        AttemptIds.Attempt attempt = AttemptIds.parse(ctx.loopId());
        if (attempt == null || !attempt.loopId().equals(input.promptFrom())) {
          throw new StepException(StepException.Kind.BAD_ID, "only an attempt of loop " + input.promptFrom() + " may take its prompt, not "
              + ctx.loopId());
        }
        planned = WorkspaceFiles.read(paths.workspace(input.promptFrom()), MemoryFiles.PROMPT).orElse("");
      }
      String given = planned;
      lease.write("write the memory files", () -> {
        WorkspaceFiles.write(ws, MemoryFiles.STATE, MemoryFiles.state(ctx, input.task(), input.memory()));
        WorkspaceFiles.write(ws, MemoryFiles.REFLECTIONS, MemoryFiles.reflections(input.memory().reflections()));
        WorkspaceFiles.write(ws, MemoryFiles.RULES, MemoryFiles.rules(input.memory().rules()));
        WorkspaceFiles.write(ws, MemoryFiles.PROMPT, given != null ? given : MemoryFiles.prompt(ctx, input.task(), input.memory()));
      });
      int exit = 0;
      if (input.plan() != null && input.promptFrom() == null) {
        exit = commands.run(ctx, lease, input.plan(), "plan", null, Map.of("LOOP_TASK", input.task())).exitCode();
      }
      // The plan command may have rewritten the prompt; it is read as a step's file, never through a link.
      String text = WorkspaceFiles.read(ws, MemoryFiles.PROMPT).orElse("");
      return new PlanResult(prompt.toString(), Hashes.sha256(text), text.length(), exit);
    });
  }

  @Override
  public MakeResult make(MakeInput input) {
    return boundary.run("Make", () -> {
      StepContext ctx = ActivityBoundary.context(input.context());
      Path ws = paths.workspace(ctx.loopId());
      Fence.Lease lease = commands.reconciled(ctx);
      lease.write("clear the result file", () -> WorkspaceFiles.delete(ws, MemoryFiles.RESULT));
      CommandRunner.Run run;
      // The worker's maker limits: the slot is held while the maker runs, not while its attempt is committed.
      LiveOutput waiting = LiveOutput.of("make", redaction);
      try (MakerSlots.Slot slot = makers.acquire(repository(ctx.loopId()), slotWait(input.make()), s -> waiting.beat(s, "", 0))) {
        run = commands.run(ctx, lease, input.make(), "make", null, Map.of());
      }
      MakerReport report = MakerReport.read(ws, redaction);
      observer.makerSpent(report.costUsd(), report.tokens());
      LiveOutput.of("make", redaction).after(run, "committing the attempt");
      GitWorkspace.Attempt attempt = lease.write("commit the attempt", () ->
          git.commitAttempt(
              ctx.loopId(),
              ctx.iteration(),
              ctx.commit(),
              "loop " + ctx.loopId() + " iteration " + ctx.iteration() + " attempt\n\n"
                  + (report.summary() == null ? "maker exited " + run.exitCode() : report.summary()) + "\n"));
      // The stat counts files and lines; redacted all the same, as everything else of the maker's that enters history.
      return new MakeResult(
          attempt.commit(), attempt.ref(), attempt.changed(), attempt.diffHash(), redaction.apply(attempt.diffStat()),
          run.exitCode(), run.timedOut(), run.durationMillis(), report.summary(), report.costUsd(), report.tokens(),
          redaction.tail(run.tail()), run.log().toString());
    });
  }

  @Override
  public CheckResult check(CheckInput input) {
    return boundary.run("Check", () -> {
      StepContext ctx = ActivityBoundary.context(input.context());
      return checks.run(ctx, commands.reconciled(ctx), input.checks());
    });
  }

  @Override
  public GateResult gate(GateInput input) {
    return boundary.run("Gate", () -> {
      GateResult deterministic = GatePolicy.decide(input, null);
      if (input.review() == null || !deterministic.passed()) {
        return deterministic;
      }
      CommandRunner.Run review = runReviewer(ActivityBoundary.context(input.context()), input.review());
      return GatePolicy.decide(input, review.timedOut() ? -1 : review.exitCode());
    });
  }

  @Override
  public ReviewResult review(ReviewInput input) {
    return boundary.run("Review", () -> {
      CommandRunner.Run review = runReviewer(ActivityBoundary.context(input.context()), input.review());
      return new ReviewResult(review.exitCode(), review.timedOut());
    });
  }

  /** Writes the attempt's diff to {@code .loop/ATTEMPT.diff} and runs the reviewer command on it. */
  private CommandRunner.Run runReviewer(StepContext ctx, StepSpec reviewer) {
    Path ws = paths.workspace(ctx.loopId());
    Fence.Lease lease = commands.reconciled(ctx);
    Path diffFile = ws.resolve(MemoryFiles.DIR).resolve("ATTEMPT.diff");
    String parent = parentOf(ctx);
    String diff = parent == null ? "" : git.diff(ctx.loopId(), parent, ctx.commit()).text();
    lease.write("write the diff file", () -> WorkspaceFiles.write(ws, MemoryFiles.DIR + "/ATTEMPT.diff", diff));
    return commands.run(ctx, lease, reviewer, "review", null, Map.of("LOOP_DIFF_FILE", diffFile.toString()));
  }

  @Override
  public CheckpointResult checkpoint(CheckpointInput input) {
    return boundary.run("Checkpoint", () -> {
      ActivityBoundary.loop(input.loopId());
      Fence.Lease lease = commands.claim(input.loopId());
      String tag = lease.write("take checkpoint " + input.number(),
          () -> git.checkpoint(input.loopId(), input.number(), input.attemptCommit()));
      observer.iterationEnded("ACCEPT");
      return new CheckpointResult(input.attemptCommit(), tag);
    });
  }

  @Override
  public void discard(DiscardInput input) {
    boundary.run("Discard", () -> {
      ActivityBoundary.loop(input.loopId());
      Fence.Lease lease = commands.claim(input.loopId());
      lease.write("discard the attempt", () -> git.reconcile(input.loopId(), input.checkpointCommit()));
      observer.iterationEnded("REJECT");
      return null;
    });
  }

  @Override
  public void rollback(RollbackInput input) {
    boundary.run("Rollback", () -> {
      ActivityBoundary.loop(input.loopId());
      Fence.Lease lease = commands.claim(input.loopId());
      lease.write("roll back", () -> git.rollback(input.loopId(), input.commit()));
      return null;
    });
  }

  @Override
  public ReflectResult reflect(ReflectInput input) {
    return boundary.run("Reflect", () -> {
      String builtIn = Reflections.builtIn(input);
      // What Discard did (ReflectInput.discard): the workspace back to the head, then the metric.
      Fence.Lease discarded = input.discard() ? commands.reconciled(ActivityBoundary.context(input.context())) : null;
      if (discarded != null) {
        observer.iterationEnded("REJECT");
      }
      if (input.reflect() == null) {
        return new ReflectResult(Texts.truncate(redaction.apply(builtIn), MAX_REFLECTION_CHARS), false);
      }
      StepContext ctx = ActivityBoundary.context(input.context());
      Path ws = paths.workspace(ctx.loopId());
      Fence.Lease lease = discarded != null ? discarded : commands.reconciled(ctx);
      Path evidence = ws.resolve(MemoryFiles.DIR).resolve("EVIDENCE.json");
      String evidenceJson;
      try {
        evidenceJson = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(input);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      lease.write("write the evidence file", () -> WorkspaceFiles.write(ws, MemoryFiles.DIR + "/EVIDENCE.json", evidenceJson));
      Path stdout = paths.log(ctx.loopId(), ctx.iteration(), "reflect.out");
      CommandRunner.Run run =
          commands.run(ctx, lease, input.reflect(), "reflect", stdout, Map.of("LOOP_EVIDENCE_FILE", evidence.toString(), "LOOP_TASK", input.task()));
      String text = redaction.apply(StepLogs.read(stdout)).strip();
      if (run.exitCode() != 0 || text.isEmpty()) {
        return new ReflectResult(
            Texts.truncate(redaction.apply(builtIn) + "\n\n(The reflect command " + (run.timedOut() ? "timed out" : "exited " + run.exitCode())
                + (text.isEmpty() ? " with no output" : "") + "; this is the built-in note.)", MAX_REFLECTION_CHARS),
            false);
      }
      return new ReflectResult(Texts.truncate(text, MAX_REFLECTION_CHARS), true);
    });
  }

  /** The loop's repository as its spec names it (the origin the worker wrote), the key of the per-repository maker limit. */
  private String repository(String loopId) {
    dev.durableloops.workflows.steps.AttemptIds.Attempt attempt = dev.durableloops.workflows.steps.AttemptIds.parse(loopId);
    Path origin = paths.loopDir(attempt == null ? loopId : attempt.loopId()).resolve(WorkspaceClones.ORIGIN_FILE);
    try {
      return Files.exists(origin) ? Files.readAllLines(origin).get(0) : loopId;
    } catch (java.io.IOException | RuntimeException e) {
      return loopId;
    }
  }

  /**
   * How long a maker may wait for a slot ({@link MakerSlots}): what the activity's start-to-close
   * timeout leaves after the maker's own timeout and {@link MakerSlots#RESERVE}; {@code null}
   * (no bound) outside an activity.
   */
  private static java.time.Duration slotWait(dev.durableloops.workflows.spec.StepSpec make) {
    io.temporal.activity.ActivityInfo info;
    try {
      info = io.temporal.activity.Activity.getExecutionContext().getInfo();
    } catch (RuntimeException e) {
      return null;
    }
    long deadline = info.getStartedTimestamp() + info.getStartToCloseTimeout().toMillis();
    return java.time.Duration.ofMillis(deadline - System.currentTimeMillis()).minus(make.timeoutDuration()).minus(MakerSlots.RESERVE);
  }

  private String parentOf(StepContext ctx) {
    try {
      return git.firstParent(ctx.loopId(), ctx.commit());
    } catch (RuntimeException e) {
      return null;
    }
  }
}
