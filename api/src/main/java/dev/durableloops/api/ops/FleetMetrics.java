package dev.durableloops.api.ops;

import dev.durableloops.workflows.LoopSearchAttributes;
import dev.durableloops.workflows.state.LoopStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The fleet-wide gauges: {@code loop_loops{status}}, loops by status from Temporal visibility
 * ({@code AWAITING_APPROVAL} is the approvals waiting), counted every 30 s (first 5 s after start).
 * They describe the whole namespace, not this process, so one process exports them:
 * {@code durable-loops.metrics.fleet-gauges}, by default on where the API is served and off in the
 * {@code worker} profile (the Kubernetes layout's API Deployment exports them, its worker pods do
 * not). With more than one API replica each exports the same figures: a dashboard takes their
 * {@code max}, never their {@code sum}.
 */
@Component
@ConditionalOnProperty(name = "durable-loops.metrics.fleet-gauges", havingValue = "true", matchIfMissing = true)
class FleetMetrics {

  private static final Logger log = LoggerFactory.getLogger(FleetMetrics.class);

  private final WorkflowClient client;
  private final Map<LoopStatus, AtomicLong> byStatus = new EnumMap<>(LoopStatus.class);

  FleetMetrics(MeterRegistry registry, WorkflowClient client) {
    this.client = client;
    for (LoopStatus status : LoopStatus.values()) {
      AtomicLong count = new AtomicLong();
      byStatus.put(status, count);
      Gauge.builder("loop.loops", count, AtomicLong::get).tag("status", status.name())
          .description("Loops in the namespace by status, from Temporal visibility (refreshed every 30 s)").register(registry);
    }
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
