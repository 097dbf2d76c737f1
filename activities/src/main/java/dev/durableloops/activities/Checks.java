package dev.durableloops.activities;

import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.state.CheckEvidence;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.steps.StepContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@code Check} step's work: every check's command run against the attempt, one after another,
 * and its exit code, JUnit reports ({@link JUnitReports}) and metric ({@link CheckMetric}) turned
 * into evidence, with a signature of what failed (so the workflow can tell a repeated failure).
 */
final class Checks {

  private final LoopPaths paths;
  private final StepCommands commands;
  private final Redaction redaction;

  Checks(LoopPaths paths, StepCommands commands, Redaction redaction) {
    this.paths = paths;
    this.commands = commands;
    this.redaction = redaction;
  }

  /**
   * Runs {@code checks} in the loop's workspace under {@code lease} (reconciled to the attempt),
   * each with an empty {@code .loop/reports} directory.
   *
   * @return the evidence in the checks' order; whether every required check passed; the failure
   *     signature (12 hex characters of a SHA-256 over the failed checks and tests, sorted), or
   *     {@code null} when nothing failed; the first check's metric that has one
   */
  CheckResult run(StepContext ctx, Fence.Lease lease, List<CheckSpec> checks) {
    Path ws = paths.workspace(ctx.loopId());
    List<CheckEvidence> evidence = new ArrayList<>();
    TreeSet<String> failures = new TreeSet<>();
    Double metric = null;
    for (CheckSpec check : checks) {
      lease.write("clear the reports directory", () -> WorkspaceFiles.emptyDirectory(ws, MemoryFiles.REPORTS));
      CommandRunner.Run run = commands.run(ctx, lease, new StepSpec(check.command(), check.timeout()), "check-" + check.name(), null, Map.of());
      JUnitReports.Summary reports = JUnitReports.readMatching(ws, check.reports(), redaction);
      Double value = check.metric() == null ? null : CheckMetric.read(run.log(), check.metric().pattern());
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
  }
}
