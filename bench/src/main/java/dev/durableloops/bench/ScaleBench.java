package dev.durableloops.bench;

import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopOutcome;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent loops on the bench's worker: for each size (default 100, 500 and 1,000; 10 in a smoke
 * run), that many loops whose maker sleeps 1 s, 3 iterations each, started at once; printed are
 * iterations per second, the timeouts the workflows saw, failed loops, the step-to-step delay p50
 * and p99 and the worker's heap used at most (sampled every 200 ms).
 */
final class ScaleBench {

  private ScaleBench() {}

  static void run(Bench bench, WorkflowClient client, Path data, boolean smoke, int[] scaleSizes) throws Exception {
    int[] sizes = scaleSizes != null ? scaleSizes : smoke ? new int[] {10} : new int[] {100, 500, 1000};
    for (int n : sizes) {
      Path repo = TestRepo.create(data.resolve("repos/scale-" + n), 5);
      int iterations = 3;
      LoopSpec spec = new LoopSpec("scale", "sleep", new WorkspaceSpec(repo.toString(), "main"), null, null,
          new StepSpec("sleep 1", null), List.of(new CheckSpec("c", "exit 1", null, null, true, null)), null, null,
          null, new Caps(iterations, "P1D", null, iterations + 1));
      AtomicLong heap = new AtomicLong();
      Thread sampler = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          Runtime rt = Runtime.getRuntime();
          heap.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
          try {
            Thread.sleep(200);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      sampler.setDaemon(true);
      sampler.start();
      List<String> ids = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        String id = "loop-scale-" + n + "-" + i + "-" + UUID.randomUUID().toString().substring(0, 6);
        ids.add(id);
        LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(Bench.QUEUE).build());
        WorkflowClient.start(loop::run, new LoopInput(spec));
      }
      int failed = 0;
      for (String id : ids) {
        try {
          client.newUntypedWorkflowStub(id).getResult(30, TimeUnit.MINUTES, LoopOutcome.class);
        } catch (io.temporal.client.WorkflowFailedException e) {
          // Counted and printed: a loop that fails at scale is a figure, not the end of the run.
          failed++;
        }
      }
      double seconds = Bench.ms(start) / 1000;
      sampler.interrupt();
      List<WorkflowExecutionHistory> histories = new ArrayList<>();
      for (String id : ids) {
        histories.add(client.fetchHistory(id));
      }
      // Timeouts the workflow saw (a step on the worker's queue: the loop moved), and step attempts
      // retried after a timeout, which leave no event of their own but their next attempt's last failure.
      long timeouts = histories.stream().flatMap(h -> h.getEvents().stream())
          .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT
              || e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT
              || (e.hasActivityTaskStartedEventAttributes() && e.getActivityTaskStartedEventAttributes().getLastFailure().hasTimeoutFailureInfo()))
          .count();
      Bench.Stats d = Bench.delays(histories);
      bench.line(String.format(Locale.ROOT, "| scale: %d concurrent loops (maker `sleep 1`, %d iterations each) | iterations/s | %.1f | | | %.0f s wall; %d heartbeat/host-wait/workflow-task timeouts; %d loops failed |",
          n, iterations, (n - failed) * iterations / seconds, seconds, timeouts, failed));
      bench.line(String.format(Locale.ROOT, "| scale: %d loops, step completed → next step started | ms | %.0f | %.0f | %.0f | p50; max is p99 |",
          n, d.p50(), d.min(), d.p99()));
      bench.line(String.format(Locale.ROOT, "| scale: %d loops, worker heap used at most | MiB | %.0f | | | JVM -Xmx%d MiB |",
          n, heap.get() / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576));
    }
  }

}
