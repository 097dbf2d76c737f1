package dev.durableloops.bench;

import static dev.durableloops.bench.Bench.QUEUE;
import static dev.durableloops.bench.Bench.median;
import static dev.durableloops.bench.Bench.ms;

import dev.durableloops.activities.CommandPolicy;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopOutcome;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.LoopWorkflowImpl;
import dev.durableloops.workflows.spec.Approval;
import dev.durableloops.workflows.spec.ApprovalTimeoutAction;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import io.temporal.api.enums.v1.EventType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * {@code bench/run.sh --only overhead}: the platform's time per iteration of a loop whose five
 * command steps do nothing, beside its floors on the same server and worker (a bare workflow of
 * six no-op activities; five activities each running {@code true} in the worker's sandbox, no git
 * and no fence: {@link Bare}), a bash loop and LangGraph; then the loop's history per iteration and
 * where its time goes ({@link Profile}). 30 iterations × 5 runs; {@code --smoke}: 5 × 1.
 */
final class OverheadBench {

  private final Bench bench;
  private final WorkflowClient client;
  private final Path data;
  private final boolean smoke;
  private final String langgraphPython;
  private final Path benchDir;

  OverheadBench(Bench bench, WorkflowClient client, Path data, boolean smoke, String langgraphPython, Path benchDir) {
    this.bench = bench;
    this.client = client;
    this.data = data;
    this.smoke = smoke;
    this.langgraphPython = langgraphPython;
    this.benchDir = benchDir;
  }

  /** Temporal's default {@code limit.historyCount.suggestContinueAsNew}: continue-as-new is suggested past it. */
  static final int SUGGESTED_CAN_EVENTS = 4 * 1024;

  /** Temporal's default {@code limit.historySize.suggestContinueAsNew}, bytes. */
  static final long SUGGESTED_CAN_BYTES = 4L * 1024 * 1024;

  void run() throws Exception {
    int iterations = smoke ? 5 : 30;
    int repeats = smoke ? 1 : 5;
    List<Double> ours = new ArrayList<>();
    List<Double> floor = new ArrayList<>();
    List<Double> sandboxedFloor = new ArrayList<>();
    List<Double> bash = new ArrayList<>();
    List<Double> langgraph = new ArrayList<>();
    WorkflowExecutionHistory lastHistory = null;
    String lastId = null;
    for (int r = 0; r < repeats; r++) {
      Path repo = TestRepo.create(data.resolve("repos/overhead-" + r), 10);
      String id = "loop-bench-" + UUID.randomUUID().toString().substring(0, 8);
      LoopSpec spec = new LoopSpec("bench", "no-op", new WorkspaceSpec(repo.toString(), "main"),
          new StepSpec("echo task", null), new StepSpec("true", null), new StepSpec("true", null),
          List.of(new CheckSpec("noop", "exit 1", null, null, true, null)), new StepSpec("true", null),
          new StepSpec("echo reflected", null), new GateSpec(Approval.NEVER, null, ApprovalTimeoutAction.REJECT),
          new Caps(iterations, "P1D", null, iterations + 1));
      LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(QUEUE).build());
      long start = System.nanoTime();
      LoopOutcome outcome = loop.run(new LoopInput(spec));
      ours.add(ms(start) / outcome.iterations());
      lastHistory = client.fetchHistory(id);
      lastId = id;

      Bare.BareWorkflow bare = client.newWorkflowStub(Bare.BareWorkflow.class,
          WorkflowOptions.newBuilder().setWorkflowId("bare-" + UUID.randomUUID()).setTaskQueue(QUEUE).build());
      start = System.nanoTime();
      bare.run(iterations);
      floor.add(ms(start) / iterations);

      Bare.SandboxedWorkflow sandboxed = client.newWorkflowStub(Bare.SandboxedWorkflow.class,
          WorkflowOptions.newBuilder().setWorkflowId("bare-sandboxed-" + UUID.randomUUID()).setTaskQueue(QUEUE).build());
      start = System.nanoTime();
      sandboxed.run(iterations);
      sandboxedFloor.add(ms(start) / iterations);

      bash.add(Double.parseDouble(Bench.run(List.of("bash", benchDir.resolve("bash_loop.sh").toString(), Integer.toString(iterations)))));
      if (langgraphPython != null) {
        langgraph.add(Double.parseDouble(Bench.run(List.of(langgraphPython, benchDir.resolve("langgraph_loop.py").toString(),
            Integer.toString(iterations)))));
      }
    }
    double oursMedian = median(ours);
    bench.row("overhead: durable-loops loop, five no-op command steps (`echo`, `true`, `true`, check `exit 1`, `echo`)", "ms/iteration", ours, iterations + " iterations × " + repeats);
    bench.row("overhead: bare Temporal workflow, six no-op activities (floor)", "ms/iteration", floor,
        String.format(Locale.ROOT, "ours/floor = %.2f", oursMedian / median(floor)));
    bench.row("overhead: bare Temporal workflow, five activities each running `true` in the worker's sandbox (no git, no fence)", "ms/iteration",
        sandboxedFloor, String.format(Locale.ROOT, "%s; ours − this = %.1f ms (git, fence, logs, the loop's own workflow code)",
            CommandPolicy.standard().sandbox().describe().replace("|", "/"), oursMedian - median(sandboxedFloor)));
    bench.row("overhead: bash while loop, six `sh -c true` + git commit", "ms/iteration", bash,
        String.format(Locale.ROOT, "ours/bash = %.2f", oursMedian / median(bash)));
    if (!langgraph.isEmpty()) {
      bench.row("overhead: LangGraph + SqliteSaver, six `sh -c true` nodes", "ms/iteration", langgraph,
          String.format(Locale.ROOT, "ours/langgraph = %.2f", oursMedian / median(langgraph)));
    } else {
      bench.line("| overhead: LangGraph + SqliteSaver | ms/iteration | – | – | – | not run: pass --langgraph-python |");
    }
    long events = lastHistory.getEvents().size();
    long bytes = lastHistory.toProtoText(false).length();
    double perIteration = (double) events / iterations;
    bench.line(String.format(Locale.ROOT, "| history: events per iteration | events | %.1f | | | %d events in %s |", perIteration, events, lastId));
    bench.line(String.format(Locale.ROOT, "| history: bytes per iteration | bytes | %.0f | | | protobuf text size / iterations |",
        (double) bytes / iterations));
    // A run continues as new when Temporal suggests it (the server's limit.historyCount.suggestContinueAsNew,
    // 4,096 events by default, or limit.historySize.suggestContinueAsNew, 4 MiB) or past the loop's own
    // MAX_HISTORY_EVENTS, whichever comes first (LoopWorkflowImpl.shouldContinueAsNew).
    long historyBytes = lastHistory.getEvents().stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
        .mapToLong(e -> e.getWorkflowTaskStartedEventAttributes().getHistorySizeBytes()).max().orElse(0);
    double bySuggestedCount = SUGGESTED_CAN_EVENTS / perIteration;
    double bySuggestedSize = historyBytes == 0 ? Double.MAX_VALUE : SUGGESTED_CAN_BYTES / ((double) historyBytes / iterations);
    double byOwnLimit = LoopWorkflowImpl.MAX_HISTORY_EVENTS / perIteration;
    bench.line(String.format(Locale.ROOT,
        "| history: iterations per run | iterations | %.0f | | | continue-as-new at the first of: Temporal's suggestion at %d events (%.0f iterations) "
            + "or %d MiB (%.0f; %.0f bytes/iteration), the loop's own %d events (%.0f) |",
        Math.min(bySuggestedCount, Math.min(bySuggestedSize, byOwnLimit)), SUGGESTED_CAN_EVENTS, bySuggestedCount,
        SUGGESTED_CAN_BYTES >> 20, bySuggestedSize, (double) historyBytes / iterations, LoopWorkflowImpl.MAX_HISTORY_EVENTS, byOwnLimit));
    Bench.Stats delays = Bench.delays(List.of(lastHistory));
    bench.line(String.format(Locale.ROOT, "| overhead: step completed → next step started | ms | %.1f | %.1f | %.1f | p50; max is p99 |",
        delays.p50(), delays.min(), delays.p99()));
    Profile.rows(lastHistory, iterations).forEach(bench::line);
  }
}
