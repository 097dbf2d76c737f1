package dev.durableloops.activities;

import dev.durableloops.workflows.LoopErrorType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.durableloops.workflows.state.CheckEvidence;
import dev.durableloops.workflows.steps.CheckInput;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.steps.CheckpointInput;
import dev.durableloops.workflows.steps.CheckpointResult;
import dev.durableloops.workflows.steps.DiscardInput;
import dev.durableloops.workflows.steps.DiscoverInput;
import dev.durableloops.workflows.steps.DiscoverResult;
import dev.durableloops.workflows.steps.DeliverInput;
import dev.durableloops.workflows.steps.NotifyInput;
import dev.durableloops.workflows.steps.DeliverResult;
import dev.durableloops.workflows.spec.DeliverSpec;
import dev.durableloops.workflows.steps.GateInput;
import dev.durableloops.workflows.steps.GatePolicy;
import dev.durableloops.workflows.steps.GateResult;
import dev.durableloops.workflows.steps.LoopActivities;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.PlanInput;
import dev.durableloops.workflows.steps.PlanResult;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.ReflectInput;
import dev.durableloops.workflows.steps.ReflectResult;
import dev.durableloops.workflows.steps.RollbackInput;
import dev.durableloops.workflows.Texts;
import dev.durableloops.workflows.steps.StepContext;
import dev.durableloops.workflows.steps.Task;
import dev.durableloops.workflows.spec.StepSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.MDC;

/**
 * The loop's activities against a real git workspace and real processes. One instance serves
 * every loop of a worker; all state is in the workspace directories and the inputs.
 *
 * <p>Commands get the inherited environment plus {@code LOOP_ID}, {@code LOOP_ITERATION},
 * {@code LOOP_WORKSPACE}, {@code LOOP_GOAL}, {@code LOOP_PROMPT_FILE}, {@code LOOP_STATE_FILE},
 * {@code LOOP_REFLECTIONS_FILE} and {@code LOOP_RESULT_FILE}; the reviewer also gets
 * {@code LOOP_DIFF_FILE} and the reflect command {@code LOOP_EVIDENCE_FILE} (JSON).
 */
public class LoopActivitiesImpl implements LoopActivities {

  /** Characters kept of a reflection. */
  static final int MAX_REFLECTION_CHARS = 4_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LoopActivitiesImpl.class);

  private final LoopPaths paths;
  private final GitWorkspace git;
  private final StepCommands commands;
  private final CommandPolicy policy;
  private final Redaction redaction;
  private final String hostQueue;
  private final StepObserver observer;
  private final Notifier notifier;
  private final LoopGuard guard;

  /**
   * @param dataDir the data directory holding every loop's workspace and logs
   * @param policy what commands may see and write
   * @param store where every attempt and checkpoint is pushed
   * @param hostQueue this worker's own task queue, which {@code Prepare} reports so the loop's
   *     workspace steps come here; {@code null} when the worker has none
   * @param observer told of every step, for metrics
   */
  public LoopActivitiesImpl(Path dataDir, CommandPolicy policy, GitStore store, String hostQueue, StepObserver observer) {
    this(dataDir, policy, store, hostQueue, observer, Notifier.NotifyConfig.NONE, LoopGuard.NONE);
  }

  /**
   * Activities that also send notifications.
   *
   * @param webhooks URLs every loop's events go to, besides each spec's own
   * @param secret HMAC-SHA256 key of the {@code X-Durable-Loops-Signature} header, or {@code null}
   * @param webUrl the app's address for the links in events
   */
  public LoopActivitiesImpl(Path dataDir, CommandPolicy policy, GitStore store, String hostQueue, StepObserver observer,
      List<String> webhooks, String secret, String webUrl) {
    this(dataDir, policy, store, hostQueue, observer, new Notifier.NotifyConfig(webhooks, secret, webUrl), LoopGuard.NONE);
  }

  /**
   * The worker's activities: notifications and the worker's own check of every loop
   * ({@link LoopGuard}: the spec policy for the starter its start grant names, before the first step;
   * the repository again before a push).
   */
  public LoopActivitiesImpl(Path dataDir, CommandPolicy policy, GitStore store, String hostQueue, StepObserver observer,
      List<String> webhooks, String secret, String webUrl, LoopGuard guard) {
    this(dataDir, policy, store, hostQueue, observer, new Notifier.NotifyConfig(webhooks, secret, webUrl), guard);
  }

  /** Activities with {@code guard}, without a worker-specific task queue, observer or notifications. */
  public LoopActivitiesImpl(Path dataDir, CommandPolicy policy, GitStore store, LoopGuard guard) {
    this(dataDir, policy, store, null, StepObserver.NONE, Notifier.NotifyConfig.NONE, guard);
  }

  private LoopActivitiesImpl(Path dataDir, CommandPolicy policy, GitStore store, String hostQueue, StepObserver observer,
      Notifier.NotifyConfig notify, LoopGuard guard) {
    this.guard = guard;
    this.paths = new LoopPaths(dataDir);
    this.git = new GitWorkspace(paths, store);
    this.policy = policy;
    this.redaction = new Redaction(policy.secrets());
    this.notifier = new Notifier(notify, redaction);
    this.commands = new StepCommands(paths, git, new Fence(paths, store.localDir()), policy, redaction);
    this.hostQueue = hostQueue;
    this.observer = observer;
  }

  /** Activities without a worker-specific task queue or an observer. */
  public LoopActivitiesImpl(Path dataDir, CommandPolicy policy, GitStore store) {
    this(dataDir, policy, store, null, StepObserver.NONE);
  }

  /** Activities with {@link CommandPolicy#DEFAULT} and the data directory's own store. */
  public LoopActivitiesImpl(Path dataDir) {
    this(dataDir, CommandPolicy.DEFAULT, GitStore.under(dataDir));
  }

  @Override
  public PrepareResult prepare(PrepareInput input) {
    return atBoundary("Prepare", () -> {
      MDC.put("loopId", input.loopId());
      // Before anything runs or is cloned: a loop started on Temporal directly gets the API's checks here.
      guard.admit(input);
      Fence.Lease lease = commands.claim(input.loopId());
      GitWorkspace.Prepared prepared = lease.write("prepare the workspace",
          () -> git.prepare(input.loopId(), input.workspace(), input.commit(), input.forkOf()));
      return new PrepareResult(
          prepared.dir().toString(), GitWorkspace.workBranch(input.loopId()), prepared.baseCommit(), prepared.commit(), hostQueue,
          policy.sandbox().describe());
    });
  }

  @Override
  public DiscoverResult discover(DiscoverInput input) {
    return atBoundary("Discover", () -> {
      StepContext ctx = context(input.context());
      if (input.discover() == null) {
        return new DiscoverResult(List.of(ctx.goal()), ctx.goal(), 0, null, null);
      }
      Fence.Lease lease = commands.reconciled(ctx);
      Path stdout = paths.log(ctx.loopId(), ctx.iteration(), "discover.out");
      CommandRunner.Run run = commands.run(ctx, lease, input.discover(), "discover", stdout, Map.of());
      // Task texts enter history and the state: secrets the command printed are replaced first.
      List<Task> items = StepReports.parseTasks(StepReports.read(stdout), redaction);
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
    return atBoundary("Plan", () -> {
      StepContext ctx = context(input.context());
      Path ws = paths.workspace(ctx.loopId());
      Fence.Lease lease = commands.reconciled(ctx);
      Path prompt = ws.resolve(MemoryFiles.PROMPT);
      lease.write("write the memory files", () -> {
        WorkspaceFiles.write(ws, MemoryFiles.STATE, MemoryFiles.state(ctx, input.task(), input.memory()));
        WorkspaceFiles.write(ws, MemoryFiles.REFLECTIONS, MemoryFiles.reflections(input.memory().reflections()));
        WorkspaceFiles.write(ws, MemoryFiles.RULES, MemoryFiles.rules(input.memory().rules()));
        WorkspaceFiles.write(ws, MemoryFiles.PROMPT, MemoryFiles.prompt(ctx, input.task(), input.memory()));
      });
      int exit = 0;
      if (input.plan() != null) {
        exit = commands.run(ctx, lease, input.plan(), "plan", null, Map.of("LOOP_TASK", input.task())).exitCode();
      }
      // The plan command may have rewritten the prompt; it is read as a step's file, never through a link.
      String text = WorkspaceFiles.read(ws, MemoryFiles.PROMPT).orElse("");
      return new PlanResult(prompt.toString(), Hashes.sha256(text), text.length(), exit);
    });
  }

  @Override
  public MakeResult make(MakeInput input) {
    return atBoundary("Make", () -> {
      StepContext ctx = context(input.context());
      Path ws = paths.workspace(ctx.loopId());
      Fence.Lease lease = commands.reconciled(ctx);
      lease.write("clear the result file", () -> WorkspaceFiles.delete(ws, MemoryFiles.RESULT));
      CommandRunner.Run run = commands.run(ctx, lease, input.make(), "make", null, Map.of());
      StepReports.MakerReport report = StepReports.MakerReport.read(ws, redaction);
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
    return atBoundary("Check", () -> {
      StepContext ctx = context(input.context());
      Path ws = paths.workspace(ctx.loopId());
      Fence.Lease lease = commands.reconciled(ctx);
      List<CheckEvidence> evidence = new ArrayList<>();
      TreeSet<String> failures = new TreeSet<>();
      Double metric = null;
      for (CheckSpec check : input.checks()) {
        lease.write("clear the reports directory", () -> WorkspaceFiles.emptyDirectory(ws, MemoryFiles.REPORTS));
        CommandRunner.Run run = commands.run(ctx, lease, new StepSpec(check.command(), check.timeout()), "check-" + check.name(), null, Map.of());
        JUnitReports.Summary reports = StepReports.readReports(ws, check.reports(), redaction);
        Double value = check.metric() == null ? null : StepReports.readMetric(run.log(), check.metric().pattern());
        if (metric == null) {
          metric = value;
        }
        String tail = run.tail();
        if (!reports.unreadable().isEmpty()) {
          tail = tail + "\n[durable-loops] unreadable reports: " + String.join("; ", reports.unreadable());
        }
        // Redacted after the report problems are added: they name files and elements the check wrote.
        tail = redaction.tail(tail);
        CheckEvidence e =
            new CheckEvidence(
                check.name(), check.requiredOrDefault(), run.exitCode(), run.timedOut(), run.durationMillis(),
                reports.testsRun(), redaction.tests(reports.failed()), tail, run.log().toString(), value);
        evidence.add(e);
        if (!e.passed()) {
          failures.add("check:" + e.name() + ":" + (e.timedOut() ? "timeout" : e.exitCode()));
          e.failedTests().forEach(t -> failures.add("test:" + t.id()));
        }
      }
      boolean requiredPassed = evidence.stream().allMatch(e -> !e.required() || e.passed());
      String signature = failures.isEmpty() ? null : Hashes.sha256(String.join("\n", failures)).substring(0, 12);
      return new CheckResult(evidence, requiredPassed, signature, metric);
    });
  }

  @Override
  public GateResult gate(GateInput input) {
    return atBoundary("Gate", () -> {
      GateResult deterministic = GatePolicy.decide(input, null);
      if (input.review() == null || !deterministic.passed()) {
        return deterministic;
      }
      StepContext ctx = context(input.context());
      Path ws = paths.workspace(ctx.loopId());
      Fence.Lease lease = commands.reconciled(ctx);
      Path diffFile = ws.resolve(MemoryFiles.DIR).resolve("ATTEMPT.diff");
      String parent = parentOf(ctx);
      String diff = parent == null ? "" : git.diff(ctx.loopId(), parent, ctx.commit()).text();
      lease.write("write the diff file", () -> WorkspaceFiles.write(ws, MemoryFiles.DIR + "/ATTEMPT.diff", diff));
      CommandRunner.Run review = commands.run(ctx, lease, input.review(), "review", null, Map.of("LOOP_DIFF_FILE", diffFile.toString()));
      return GatePolicy.decide(input, review.timedOut() ? -1 : review.exitCode());
    });
  }

  @Override
  public CheckpointResult checkpoint(CheckpointInput input) {
    return atBoundary("Checkpoint", () -> {
      MDC.put("loopId", input.loopId());
      Fence.Lease lease = commands.claim(input.loopId());
      String tag = lease.write("take checkpoint " + input.number(),
          () -> git.checkpoint(input.loopId(), input.number(), input.attemptCommit()));
      observer.iterationEnded("ACCEPT");
      return new CheckpointResult(input.attemptCommit(), tag);
    });
  }

  @Override
  public void discard(DiscardInput input) {
    atBoundary("Discard", () -> {
      MDC.put("loopId", input.loopId());
      Fence.Lease lease = commands.claim(input.loopId());
      lease.write("discard the attempt", () -> git.reconcile(input.loopId(), input.checkpointCommit()));
      observer.iterationEnded("REJECT");
      return null;
    });
  }

  @Override
  public void rollback(RollbackInput input) {
    atBoundary("Rollback", () -> {
      MDC.put("loopId", input.loopId());
      Fence.Lease lease = commands.claim(input.loopId());
      lease.write("roll back", () -> git.rollback(input.loopId(), input.commit()));
      return null;
    });
  }

  @Override
  public void announce(NotifyInput input) {
    atBoundary("Notify", () -> {
      MDC.put("loopId", input.loopId());
      notifier.send(input);
      return null;
    });
  }

  @Override
  public DeliverResult deliver(DeliverInput input) {
    return atBoundary("Deliver", () -> {
      StepContext ctx = context(input.context());
      Path ws = paths.workspace(ctx.loopId());
      Fence.Lease lease = commands.reconciled(ctx);
      DeliverSpec spec = input.deliver();
      String branch = spec.branch() != null ? spec.branch() : GitWorkspace.workBranch(ctx.loopId());
      String repository = input.workspace().repository();
      String error = null;
      String pushOutput = null;
      boolean pushed = false;
      String target = null;
      if (!Boolean.FALSE.equals(spec.push())) {
        try {
          target = guard.deliveryTarget(repository);
        } catch (StepException refused) {
          error = refused.getMessage();
        }
      }
      if (target != null) {
        String to = target;
        LiveOutput live = LiveOutput.of("deliver", redaction);
        live.beat("pushing " + branch, "", 0);
        Delivery.Push push = lease.write("push " + branch + " to " + repository, () -> Delivery.push(
            git.deliveryRepository(ctx.loopId()), to, ctx.commit(), branch, spec.branch() == null,
            () -> live.beat("pushing " + branch, "", 0)));
        pushed = push.ok();
        pushOutput = Texts.truncate(redaction.apply(push.output()), Delivery.MAX_OUTPUT_CHARS);
        if (!pushed) {
          error = "push of " + branch + " to " + repository + " failed: " + pushOutput;
        }
      }
      Integer exit = null;
      String url = null;
      String tail = null;
      if (error == null && spec.command() != null) {
        CommandRunner.Run run = commands.run(ctx, lease, new StepSpec(spec.command(), spec.timeout()), "deliver", null, Map.of(
            "LOOP_DELIVER_BRANCH", branch, "LOOP_DELIVER_COMMIT", ctx.commit(), "LOOP_DELIVER_REPOSITORY", repository,
            "LOOP_CHECKPOINT", Integer.toString(input.checkpoint())));
        exit = run.exitCode();
        tail = redaction.tail(run.tail());
        url = Delivery.lastUrl(redaction.apply(StepReports.read(run.log())));
        if (exit != 0) {
          error = run.timedOut() ? "deliver command timed out after " + spec.timeout() : "deliver command exited " + exit;
        }
      }
      log.info("delivered {} as {}: {}", Texts.shortId(ctx.commit()), branch, error == null ? "ok" : error);
      return new DeliverResult(input.checkpoint(), input.onSuccess(), ctx.commit(), pushed || spec.push() ? branch : null, pushed,
          pushOutput, exit, url, tail, error, java.time.Instant.now().toString());
    });
  }

  @Override
  public ReflectResult reflect(ReflectInput input) {
    return atBoundary("Reflect", () -> {
      String builtIn = Reflections.builtIn(input);
      if (input.reflect() == null) {
        return new ReflectResult(Texts.truncate(redaction.apply(builtIn), MAX_REFLECTION_CHARS), false);
      }
      StepContext ctx = context(input.context());
      Path ws = paths.workspace(ctx.loopId());
      Fence.Lease lease = commands.reconciled(ctx);
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
      String text = redaction.apply(StepReports.read(stdout)).strip();
      if (run.exitCode() != 0 || text.isEmpty()) {
        return new ReflectResult(
            Texts.truncate(redaction.apply(builtIn) + "\n\n(The reflect command " + (run.timedOut() ? "timed out" : "exited " + run.exitCode())
                + (text.isEmpty() ? " with no output" : "") + "; this is the built-in note.)", MAX_REFLECTION_CHARS),
            false);
      }
      return new ReflectResult(Texts.truncate(text, MAX_REFLECTION_CHARS), true);
    });
  }

  // ---- helpers ----

  /** Puts the loop id and iteration into the log context of the step that runs on this thread. */
  private static StepContext context(StepContext ctx) {
    MDC.put("loopId", ctx.loopId());
    MDC.put("iteration", Integer.toString(ctx.iteration()));
    return ctx;
  }

  /**
   * The activity boundary: runs a step with its type in the log context ({@code step}; the loop id
   * and iteration are put there by {@link #context}), turning the plain exceptions of the code below
   * into Temporal failures typed by {@code LoopErrorType} ({@link Failures}), and tells the observer
   * how long it took.
   */
  private <T> T atBoundary(String type, Supplier<T> step) {
    long started = System.nanoTime();
    boolean failed = true;
    MDC.put("step", type);
    try {
      T result = step.get();
      failed = false;
      return result;
    } catch (StepException e) {
      throw Failures.of(redaction.failure(e));
    } catch (UncheckedIOException e) {
      throw Failures.of(redaction.failure(new StepException(StepException.Kind.IO, e.getCause().getMessage(), e.getCause())));
    } catch (RuntimeException e) {
      // JGit wraps what its file system throws (TrustedGit refusing a command a git setting names).
      for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
        if (cause instanceof StepException refused) {
          throw Failures.of(redaction.failure(refused));
        }
      }
      throw redaction.failure(e);
    } finally {
      long millis = (System.nanoTime() - started) / 1_000_000;
      log.info("{} {} in {} ms", type, failed ? "failed" : "completed", millis);
      MDC.remove("step");
      MDC.remove("loopId");
      MDC.remove("iteration");
      observer.stepEnded(type, java.time.Duration.ofNanos(System.nanoTime() - started), failed);
    }
  }

  private String parentOf(StepContext ctx) {
    try {
      return git.firstParent(ctx.loopId(), ctx.commit());
    } catch (RuntimeException e) {
      return null;
    }
  }
}
