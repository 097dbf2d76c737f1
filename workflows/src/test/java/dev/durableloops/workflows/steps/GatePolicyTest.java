package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.Approval;
import dev.durableloops.workflows.spec.ApprovalTimeoutAction;
import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.spec.MetricGoal;
import dev.durableloops.workflows.spec.MetricSpec;
import dev.durableloops.workflows.state.CheckEvidence;
import dev.durableloops.workflows.state.Verdict;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class GatePolicyTest {

  private static MakeResult maker(int exit, boolean timedOut) {
    return new MakeResult("c", "r", true, "h", "1 file changed, +1 -0", exit, timedOut, 10, null, 0, 0, "", "/log");
  }

  private static CheckEvidence check(String name, boolean required, int exit) {
    return new CheckEvidence(name, required, exit, false, 5, 0, List.of(), "", "/log", null);
  }

  private static GateInput input(Approval approval, MakeResult make, List<CheckEvidence> evidence, MetricSpec metric, Double value, Double best) {
    boolean required = evidence.stream().allMatch(e -> !e.required() || e.passed());
    return new GateInput(
        new StepContext("loop-x", 1, "goal", "c"),
        new GateSpec(approval, "PT1H", ApprovalTimeoutAction.REJECT),
        null,
        make,
        new CheckResult(evidence, required, required ? null : "abc", value),
        metric,
        best);
  }

  @Test
  void acceptsWhenEveryRequiredCheckPassesAndNoApprovalIsNeeded() {
    GateResult r = GatePolicy.decide(input(Approval.NEVER, maker(0, false), List.of(check("tests", true, 0), check("lint", false, 1)), null, null, null), null);
    assertThat(r.verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(r.passed()).isTrue();
  }

  @Test
  void rejectsNamingTheFailedRequiredChecks() {
    GateResult r = GatePolicy.decide(input(Approval.NEVER, maker(0, false), List.of(check("tests", true, 2), check("build", true, 0)), null, null, null), null);
    assertThat(r.verdict()).isEqualTo(Verdict.REJECT);
    assertThat(r.reason()).isEqualTo("required checks failed: tests (exit 2)");
  }

  @Test
  void failsClosedOnAMakerThatFailedOrTimedOut() {
    assertThat(GatePolicy.decide(input(Approval.NEVER, maker(127, false), List.of(check("t", true, 0)), null, null, null), null).reason())
        .isEqualTo("the maker exited 127");
    assertThat(GatePolicy.decide(input(Approval.NEVER, maker(-1, true), List.of(check("t", true, 0)), null, null, null), null).verdict())
        .isEqualTo(Verdict.REJECT);
  }

  @Test
  void onPassAsksAHumanOnlyWhenTheGatePasses() {
    assertThat(GatePolicy.decide(input(Approval.ON_PASS, maker(0, false), List.of(check("t", true, 0)), null, null, null), null).verdict())
        .isEqualTo(Verdict.ASK_HUMAN);
    assertThat(GatePolicy.decide(input(Approval.ON_PASS, maker(0, false), List.of(check("t", true, 1)), null, null, null), null).verdict())
        .isEqualTo(Verdict.REJECT);
  }

  @Test
  void everyIterationAsksAHumanEvenForAFailingAttemptAndSaysItFailed() {
    GateResult r = GatePolicy.decide(input(Approval.EVERY_ITERATION, maker(0, false), List.of(check("t", true, 1)), null, null, null), null);
    assertThat(r.verdict()).isEqualTo(Verdict.ASK_HUMAN);
    assertThat(r.passed()).isFalse();
    assertThat(r.reason()).startsWith("required checks failed: t (exit 1)");
  }

  @Test
  void aMetricMustBeatTheBestCheckpoint() {
    MetricSpec max = new MetricSpec("score: ([0-9.]+)", MetricGoal.MAXIMIZE, null);
    List<CheckEvidence> ok = List.of(check("bench", true, 0));
    assertThat(GatePolicy.decide(input(Approval.NEVER, maker(0, false), ok, max, 0.5, 0.7), null).reason())
        .isEqualTo("metric 0.5 does not beat the best checkpoint's 0.7");
    assertThat(GatePolicy.decide(input(Approval.NEVER, maker(0, false), ok, max, 0.8, 0.7), null).verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(GatePolicy.decide(input(Approval.NEVER, maker(0, false), ok, max, null, 0.7), null).reason())
        .isEqualTo("no metric found in the check output");
    MetricSpec min = new MetricSpec("x ([0-9.]+)", MetricGoal.MINIMIZE, 1.0);
    assertThat(GatePolicy.decide(input(Approval.NEVER, maker(0, false), ok, min, 0.5, 0.7), null).verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(min.reachesTarget(0.9)).isTrue();
    assertThat(min.reachesTarget(1.1)).isFalse();
  }

  @Test
  void aReviewerThatDoesNotApproveRejects() {
    GateResult r = GatePolicy.decide(input(Approval.NEVER, maker(0, false), List.of(check("t", true, 0)), null, null, null), 3);
    assertThat(r.verdict()).isEqualTo(Verdict.REJECT);
    assertThat(r.reason()).isEqualTo("the reviewer did not approve (exit 3)");
  }
}
