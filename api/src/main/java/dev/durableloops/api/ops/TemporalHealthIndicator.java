package dev.durableloops.api.ops;

import dev.durableloops.api.temporal.WorkerProbe;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness: whether the Temporal frontend answers ({@code GetSystemInfo}, 5 s deadline). A process
 * that cannot reach Temporal can neither start nor steer loops, so it is not ready.
 */
@Component("temporal")
class TemporalHealthIndicator implements HealthIndicator {

  private final WorkflowClient client;

  TemporalHealthIndicator(WorkflowClient client) {
    this.client = client;
  }

  @Override
  public Health health() {
    try {
      var info = client.getWorkflowServiceStubs().blockingStub().withDeadlineAfter(5, TimeUnit.SECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return Health.up().withDetail("serverVersion", info.getServerVersion())
          .withDetail("namespace", client.getOptions().getNamespace()).build();
    } catch (RuntimeException e) {
      return Health.down().withDetail("error", "Temporal is unreachable: " + e.getMessage()).build();
    }
  }
}
