package dev.durableloops.api.ops;

import dev.durableloops.api.temporal.Executions;
import dev.durableloops.activities.StepObserver;
import dev.durableloops.workflows.LoopSearchAttributes;
import dev.durableloops.workflows.state.LoopStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The loop metrics, in Micrometer (scraped at {@code /actuator/prometheus} beside the Temporal
 * SDK's own {@code temporal_*} metrics):
 *
 * <ul>
 *   <li>{@code loop_step_duration_seconds{step,outcome}}: each activity's run time on this worker;
 *   <li>{@code loop_iterations_total{verdict}}: iterations kept (ACCEPT) or thrown away (REJECT);
 *   <li>{@code loop_cost_usd_total}, {@code loop_tokens_total}: what makers reported spending;
 *   <li>{@code loop_loops{status}}: loops by status from Temporal visibility, refreshed every 30 s
 *       ({@code AWAITING_APPROVAL} is the approvals waiting);
 *   <li>{@code loop_approval_wait_seconds{outcome}}: how long approvals waited, emitted by the
 *       workflow through Temporal's metrics scope (so never twice on replay).
 * </ul>
 */
@Component
class LoopMetrics implements StepObserver {

  private static final Logger log = LoggerFactory.getLogger(LoopMetrics.class);

  private final MeterRegistry registry;
  private final WorkflowClient client;
  private final Counter cost;
  private final Counter tokens;
  private final Map<LoopStatus, AtomicLong> byStatus = new EnumMap<>(LoopStatus.class);

  LoopMetrics(MeterRegistry registry, WorkflowClient client) {
    this.registry = registry;
    this.client = client;
    this.cost = Counter.builder("loop.cost.usd").description("USD makers reported spending").register(registry);
    this.tokens = Counter.builder("loop.tokens").description("tokens makers reported using").register(registry);
    for (LoopStatus status : LoopStatus.values()) {
      AtomicLong count = new AtomicLong();
      byStatus.put(status, count);
      Gauge.builder("loop.loops", count, AtomicLong::get).tag("status", status.name())
          .description("loops by status, from Temporal visibility").register(registry);
    }
  }

  @Override
  public void stepEnded(String step, Duration duration, boolean failed) {
    Timer.builder("loop.step.duration").tag("step", step).tag("outcome", failed ? "failed" : "completed")
        .description("time each step ran on this worker").register(registry).record(duration);
  }

  @Override
  public void makerSpent(double usd, long tokenCount) {
    cost.increment(usd);
    tokens.increment(tokenCount);
  }

  @Override
  public void iterationEnded(String verdict) {
    Counter.builder("loop.iterations").tag("verdict", verdict).description("iterations by verdict").register(registry).increment();
  }

  /** Counts loops by status in Temporal visibility; a failed count keeps the last figures. */
  @Scheduled(initialDelay = 5_000, fixedDelay = 30_000)
  void countLoops() {
    try {
      for (LoopStatus status : LoopStatus.values()) {
        long count = client.getWorkflowServiceStubs().blockingStub().countWorkflowExecutions(
            CountWorkflowExecutionsRequest.newBuilder()
                .setNamespace(client.getOptions().getNamespace())
                .setQuery("WorkflowType = 'LoopWorkflow' AND " + LoopSearchAttributes.STATUS.getName() + " = '" + status.name() + "'")
                .build()).getCount();
        byStatus.get(status).set(count);
      }
    } catch (RuntimeException e) {
      log.debug("counting loops by status failed: {}", e.getMessage());
    }
  }
}
