package dev.durableloops.bench;

import dev.durableloops.activities.WorkerActivities;
import dev.durableloops.workflows.spec.Approval;
import dev.durableloops.workflows.spec.ApprovalTimeoutAction;
import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.steps.CheckInput;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.steps.DiscardInput;
import dev.durableloops.workflows.steps.DiscoverInput;
import dev.durableloops.workflows.steps.GateInput;
import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.MemoryView;
import dev.durableloops.workflows.steps.PlanInput;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.ReflectInput;
import dev.durableloops.workflows.steps.StepContext;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Where an iteration's own time goes: each activity of the no-op loop, called directly, ms median. */
public final class ActivityProfile {

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    Path data = Files.createTempDirectory("profile");
    Path repo = TestRepo.create(data.resolve("repo"), 10);
    WorkspaceActivities a = new WorkerActivities(data.resolve("data")).workspace();
    String head = a.prepare(new PrepareInput("loop-p", new WorkspaceSpec(repo.toString(), "main"), null)).commit();
    Map<String, List<Double>> times = new LinkedHashMap<>();
    MemoryView memory = new MemoryView(LoopStatus.RUNNING, List.of(), List.of(), List.of(), List.of(),
        new Budget(Caps.DEFAULT, 1, 0, 0, "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"), List.of());
    for (int i = 1; i <= n; i++) {
      StepContext ctx = new StepContext("loop-p", i, "g", head);
      time(times, "Discover", () -> a.discover(new DiscoverInput(ctx, new StepSpec("echo task", "PT1M"))));
      time(times, "Plan", () -> a.plan(new PlanInput(ctx, "task", new StepSpec("true", "PT1M"), memory)));
      MakeResult made = time(times, "Make", () -> a.make(new MakeInput(ctx, new StepSpec("true", "PT1M"))));
      StepContext at = new StepContext("loop-p", i, "g", made.attemptCommit());
      CheckResult checked = time(times, "Check", () -> a.check(new CheckInput(at, List.of(new CheckSpec("c", "exit 1", null, "PT1M", true, null)))));
      var gate = time(times, "Gate", () -> a.gate(new GateInput(at, new GateSpec(Approval.NEVER, "PT1H", ApprovalTimeoutAction.REJECT),
          new StepSpec("true", "PT1M"), made, checked, null, null)));
      time(times, "Discard", () -> {
        a.discard(new DiscardInput("loop-p", head));
        return null;
      });
      time(times, "Reflect", () -> a.reflect(new ReflectInput(ctx, new StepSpec("echo r", "PT1M"), "t", made, checked, gate, "r", null, false, 1)));
    }
    times.forEach((k, v) -> System.out.printf("%-8s %.1f ms%n", k, Bench.median(v)));
  }

  private static <T> T time(Map<String, List<Double>> times, String name, Supplier<T> step) {
    long start = System.nanoTime();
    T result = step.get();
    times.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add((System.nanoTime() - start) / 1e6);
    return result;
  }
}
