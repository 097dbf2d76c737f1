package dev.durableloops.workflows;

import static dev.durableloops.workflows.Steps.STEP_MARGIN;
import static dev.durableloops.workflows.Steps.commandOr;

import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.MakeSpec;
import dev.durableloops.workflows.spec.MakeVariant;
import dev.durableloops.workflows.spec.MetricSpec;
import dev.durableloops.workflows.state.AttemptReport;
import dev.durableloops.workflows.state.PendingDecision;
import dev.durableloops.workflows.state.SelectionReport;
import dev.durableloops.workflows.steps.AttemptIds;
import dev.durableloops.workflows.steps.AttemptSelection;
import dev.durableloops.workflows.steps.CheckInput;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.steps.GateInput;
import dev.durableloops.workflows.steps.GateResult;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.PlanInput;
import dev.durableloops.workflows.steps.StepContext;
import dev.durableloops.workflows.steps.WorkspaceActivities;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Best-of-N ({@code make.attempts} above 1, or {@code make.variants}; DESIGN.md "Fleets"): N
 * attempts at once from the same checkpoint, each in its own workspace on the worker holding the
 * loop's ({@link AttemptIds}), each through Plan, Make, Check and Gate (with the reviewer, when the
 * spec has one); then {@link AttemptSelection} keeps one and says why. The winner's results go on
 * through the iteration exactly as a single attempt's (approval, checkpoint of its commit, or
 * discard and reflection); every attempt's commit stays in the git store under
 * {@code refs/loops/<id>/attempts/<n>/<k>}.
 *
 * <p>Every attempt's cost counts against the budget as its maker finishes; when that reaches
 * {@code maxCostUsd}, the attempts whose makers still run are cancelled (their process groups
 * killed) and the selection is made among those that finished. A spec's {@code plan} command runs
 * once per iteration, in the loop's workspace before the attempts, and each attempt's {@code Plan}
 * copies the prompt it made; when the gate decides without a person, an {@code attempts-selected}
 * notification carries the report ({@link Versions#ATTEMPTS_PLAN_ONCE}). Only new specs reach this class: the
 * iteration of a one-attempt spec runs the commands it always ran ({@link Versions#ATTEMPTS}).
 */
final class Attempts {

  /**
   * The iteration's attempts, settled.
   *
   * @param report the selection report
   * @param results every finished attempt's results, by attempt number (index k-1; {@code null} for
   *     a cancelled one)
   */
  record Outcome(SelectionReport report, List<Result> results) {

    /** The results of attempt {@code k}, or {@code null} when it did not finish. */
    Result of(int k) {
      return k < 1 || k > results.size() ? null : results.get(k - 1);
    }

    /** The kept attempt's results, or {@code null} when none finished. */
    Result winner() {
      return report.winner() == null ? null : of(report.winner());
    }

    /** This outcome with attempt {@code k} kept instead, as {@code who} chose. */
    Outcome chosen(int k, String who) {
      return new Outcome(report.chosenBy(k, who == null || who.isBlank() ? "a human" : who), results);
    }

    /** Every finished attempt that passed the gate, as a person may choose among them. */
    List<PendingDecision.Choice> choices() {
      return results.stream().filter(r -> r != null && r.gated().passed())
          .map(r -> new PendingDecision.Choice(r.attempt(), r.made().attemptCommit(), r.made().diffHash(), r.made().diffStat()))
          .toList();
    }
  }

  /** One finished attempt's step results. */
  record Result(int attempt, MakeResult made, CheckResult checked, GateResult gated) {}

  private final LoopSpec spec;
  private final LoopProgress state;
  private final Supplier<Caps> caps;
  private final Notifications notifications;
  /** Whether this run takes {@link Versions#ATTEMPTS_PLAN_ONCE}: one plan per iteration, and the selection announced. */
  private boolean planOnce;
  /** Whether this run takes {@link Versions#ATTEMPTS_LEAN_GATE}: each attempt gated in workflow code. */
  private boolean leanGate;

  Attempts(LoopSpec spec, LoopProgress state, Supplier<Caps> caps, Notifications notifications) {
    this.spec = spec;
    this.state = state;
    this.caps = caps;
    this.notifications = notifications;
  }

  /** Whether this spec's iterations make several attempts. */
  static boolean several(LoopSpec spec) {
    return spec.make().attemptCount() > 1;
  }

  /**
   * Runs the iteration's attempts and selects one.
   *
   * @param n the summary prefix, {@code iteration <n> · }
   * @param task the task discover chose
   * @param metric the checks' metric spec, or {@code null}
   */
  Outcome run(String n, String task, MetricSpec metric) {
    Versions.mark(Versions.ATTEMPTS);
    planOnce = Versions.since(Versions.ATTEMPTS_PLAN_ONCE, 1);
    leanGate = Versions.since(Versions.ATTEMPTS_LEAN_GATE, 1);
    MakeSpec make = spec.make();
    int count = make.attemptCount();
    List<CancellationScope> scopes = new ArrayList<>();
    List<Promise<Result>> promises = new ArrayList<>();
    boolean[] makerDone = new boolean[count];
    boolean[] cappedOff = new boolean[count];
    for (int k = 1; k <= count; k++) {
      int attempt = k;
      CancellationScope scope = Workflow.newCancellationScope(() -> promises.add(Async.function(() -> {
        Result result = attempt(n, attempt, task, metric, () -> {
          makerDone[attempt - 1] = true;
          if (costCapReached()) {
            for (int j = 0; j < count; j++) {
              if (!makerDone[j] && !cappedOff[j]) {
                cappedOff[j] = true;
                scopes.get(j).cancel("maxCostUsd reached while attempt " + (j + 1) + " ran");
              }
            }
          }
        });
        return result;
      })));
      scopes.add(scope);
      scope.run();
    }
    List<Result> results = new ArrayList<>();
    List<AttemptReport> reports = new ArrayList<>();
    RuntimeException failure = null;
    for (int k = 1; k <= count; k++) {
      try {
        Result r = promises.get(k - 1).get();
        results.add(r);
        reports.add(report(r, variant(k)));
      } catch (CanceledFailure | ActivityFailure e) {
        results.add(null);
        if (cappedOff[k - 1] && cancelled(e)) {
          reports.add(AttemptReport.cancelled(k, variant(k), String.format("maxCostUsd=%.2f reached while its maker ran",
              caps.get().maxCostUsd())));
        } else if (failure == null) {
          // One attempt failed (or the iteration is cancelled): the others are stopped and waited for.
          failure = e;
          scopes.forEach(s -> s.cancel("another attempt of this iteration failed"));
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
    Outcome outcome = new Outcome(AttemptSelection.select(reports, metric), results);
    Result kept = outcome.winner();
    if (planOnce && kept != null && kept.gated().verdict() != dev.durableloops.workflows.state.Verdict.ASK_HUMAN) {
      // The gate decides alone: the selection goes out now (an approval's events carry it otherwise).
      notifications.attemptsSelected(state.iteration(), kept.gated().verdict() + ": " + Texts.truncate(kept.gated().reason(), 500),
          outcome.report());
    }
    return outcome;
  }

  private Result attempt(String n, int k, String task, MetricSpec metric, Runnable makerFinished) {
    String prefix = n + "attempt " + k + " · ";
    StepContext atHead = at(k, state.headCommit());
    if (planOnce && spec.plan() != null) {
      // The iteration's plan ran once in the loop's workspace; each attempt gets its prompt.
      step(prefix + "the prompt " + spec.plan().command() + " made", Steps.STEP_MARGIN)
          .plan(new PlanInput(atHead, task, null, state.memory(), state.loopId()));
    } else {
      step(prefix + commandOr(spec.plan(), "built-in prompt"), Steps.timeout(spec.plan()))
          .plan(new PlanInput(atHead, task, spec.plan(), state.memory()));
    }
    MakeResult made = step(prefix + spec.make().attempt(k).command(), spec.make().timeoutDuration().plus(STEP_MARGIN))
        .make(new MakeInput(atHead, spec.make().attempt(k)));
    state.spent(made.costUsd(), made.tokens());
    makerFinished.run();
    StepContext atAttempt = at(k, made.attemptCommit());
    Duration checksTimeout = spec.checks().stream().map(CheckSpec::timeoutDuration).reduce(STEP_MARGIN, Duration::plus);
    CheckResult checked = step(prefix + String.join(", ", spec.checks().stream().map(CheckSpec::name).toList()), checksTimeout)
        .check(new CheckInput(atAttempt, spec.checks()));
    GateInput gate = new GateInput(atAttempt, spec.gate(), spec.review(), made, checked, metric, state.bestMetric());
    GateResult gated = leanGate ? WorkflowGate.decide(gate, summary -> step(summary, Steps.timeout(spec.review())), prefix)
        : step(prefix + spec.gate().approval() + (spec.review() == null ? "" : " · review " + spec.review().command()),
            Steps.timeout(spec.review())).gate(gate);
    return new Result(k, made, checked, gated);
  }

  private static AttemptReport report(Result r, String variant) {
    MakeResult made = r.made();
    List<String> checks = r.checked().evidence().stream().map(e -> e.name() + (e.passed() ? ":PASS" : ":FAIL")).toList();
    return new AttemptReport(r.attempt(), variant, made.attemptCommit(), made.attemptRef(), made.diffHash(), made.diffStat(),
        AttemptReport.linesChanged(made.diffStat()), made.exitCode(), checks, r.gated().passed(), r.checked().metric(),
        made.costUsd(), r.gated().passed() ? null : Texts.truncate(r.gated().reason(), 300));
  }

  private String variant(int k) {
    List<MakeVariant> variants = spec.make().variants();
    String name = variants == null || variants.isEmpty() ? null : variants.get(k - 1).name();
    return name == null || name.isBlank() ? "attempt-" + k : name;
  }

  private boolean costCapReached() {
    Caps c = caps.get();
    return c.maxCostUsd() != null && state.costUsd() >= c.maxCostUsd();
  }

  private static boolean cancelled(RuntimeException e) {
    return e instanceof CanceledFailure || e.getCause() instanceof CanceledFailure;
  }

  /** What attempt {@code k}'s steps are told: the loop's context, in the attempt's workspace. */
  private StepContext at(int k, String commit) {
    StepContext loop = state.stepContext(spec, commit);
    return new StepContext(AttemptIds.of(loop.loopId(), k), loop.iteration(), loop.goal(), commit, loop.env(), loop.passEnv(),
        loop.sandbox());
  }

  /** A stub on the worker holding the loop's workspace, where the attempts' workspaces are too. */
  private WorkspaceActivities step(String summary, Duration startToClose) {
    return Steps.step(summary, startToClose, true, state.host());
  }
}
